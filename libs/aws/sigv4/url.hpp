// Absolute http(s) URL parsing, as far as SigV4 needs it.
//
// Mirrors Python's urllib.parse.urlsplit() (what botocore signs from) on the
// URLs it accepts, and rejects the rest with an Error: other schemes, no
// host, user information, bad ports, malformed IPv6 literals, host names
// outside [A-Za-z0-9._-], control characters anywhere. Path and query are
// returned as written (percent-escapes untouched); a fragment is dropped.
// Error messages never quote the URL (it may carry credentials).
#pragma once

#include "aws/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pullcred::aws {

struct Url {
    std::string scheme;                // "http" or "https", lower-case
    std::string host;                  // lower-case; an IPv6 literal keeps its brackets
    std::optional<std::uint16_t> port; // when the URL has a (non-empty) port
    std::string path;                  // as written; empty or starting with '/'
    std::string query;                 // as written, after '?' (empty when none)

    // The Host header value: host, plus ":port" unless the port is the
    // scheme's default (botocore's _host_from_url).
    [[nodiscard]] std::string host_header() const;
};

Result<Url> parse_url(std::string_view url);

} // namespace pullcred::aws
