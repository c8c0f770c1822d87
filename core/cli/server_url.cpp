#include "cli/server_url.hpp"

namespace pullcred::cli {

std::optional<ServerUrl> parse_server_url(std::string_view stdin_text) {
    while (!stdin_text.empty() &&
           (stdin_text.back() == '\n' || stdin_text.back() == '\r' || stdin_text.back() == ' '))
        stdin_text.remove_suffix(1);
    auto rest = stdin_text;
    for (const std::string_view scheme : {"https://", "http://"})
        if (rest.substr(0, scheme.size()) == scheme) rest.remove_prefix(scheme.size());
    rest = rest.substr(0, rest.find('/'));
    if (rest.empty()) return std::nullopt;
    return ServerUrl{std::string(stdin_text), std::string(rest)};
}

} // namespace pullcred::cli
