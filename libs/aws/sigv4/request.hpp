// The request a signer sees.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace pullcred::aws {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequestToSign {
    std::string method; // e.g. "POST" (upper-cased for signing)
    // Absolute URL as sent: http(s)://host[:port]/path?query. Path and query
    // are taken as written (see canonical_path.hpp, canonical_query.hpp).
    std::string url;
    // Headers as sent, names in any case. Repeated names are signed as one
    // header with the values joined by ','. A Host header, when present,
    // wins over the host derived from the URL.
    HeaderList headers;
    std::string body; // raw bytes
};

} // namespace pullcred::aws
