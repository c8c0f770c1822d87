// What a docker credential helper reads on stdin for `get`: a server URL
// ("https://host:port/v2/", "host", trailing newline allowed).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pullcred::cli {

struct ServerUrl {
    std::string url;      // the text without trailing blanks and newlines
    std::string registry; // "host:port": scheme and path dropped
};

// nullopt when there is no registry in it.
std::optional<ServerUrl> parse_server_url(std::string_view stdin_text);

} // namespace pullcred::cli
