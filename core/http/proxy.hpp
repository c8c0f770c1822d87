// Proxy selection from the environment, decided here rather than by
// libcurl so that it does not depend on how libcurl was built:
//   https:// URLs: HTTPS_PROXY, then https_proxy
//   http://  URLs: HTTP_PROXY, then http_proxy
//   NO_PROXY, then no_proxy: comma- or space-separated entries, each one of
//     *                      no proxy for any host
//     example.com            example.com and its subdomains
//     .example.com, *.example.com   the same
//     host:port              that host on that port only
//     10.0.0.1, ::1, [::1]   that IP address
//     10.0.0.0/8, fd00::/8   the addresses of a CIDR block
// An empty variable counts as unset.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace pullcred::net {

// Returns the value of an environment variable, nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const char *name)>;

// The process environment.
std::optional<std::string> process_env(const char *name);

struct ProxyChoice {
    std::string url; // the proxy URL; empty for a direct connection
    std::string
        variable; // the variable it came from ("HTTPS_PROXY"), or the NO_PROXY one that excluded the host
};

// `scheme` is "http" or "https" (lower case); `host` as in the URL
// (an IPv6 literal with or without brackets).
ProxyChoice choose_proxy(std::string_view scheme, std::string_view host, std::uint16_t port,
                         const EnvLookup &env = process_env);

// Whether `host`:`port` matches a NO_PROXY list.
bool no_proxy_matches(std::string_view no_proxy, std::string_view host, std::uint16_t port);

// The proxy URL without user information (user:password@), for error texts.
std::string redact_proxy_url(std::string_view proxy_url);

} // namespace pullcred::net
