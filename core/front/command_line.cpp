#include "front/command_line.hpp"

#include <cerrno>
#include <string_view>
#include <unistd.h>

#include "kubelet/protocol.hpp"

namespace pullcred::front {

std::optional<std::string> get_credentials_config(int argc, char **argv) {
    if (argc < 2) return std::nullopt;
    const std::string_view name(argv[0]);
    const auto slash = name.rfind('/');
    const auto base = name.substr(slash == std::string_view::npos ? 0 : slash + 1);
    if (base == "docker-credential-pullcred" || base == "aws_signing_helper") return std::nullopt;
    bool command = false;
    std::optional<std::string> config;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg(argv[i]);
        std::optional<std::string_view> value;
        if (arg == "get-credentials" && !command) {
            command = true;
            continue;
        }
        if (arg == "--config" && i + 1 < argc) {
            value = argv[++i];
        } else if (arg.starts_with("--config=")) {
            value = arg.substr(9);
        } else {
            return std::nullopt;
        }
        if (config || value->empty() || value->front() == '-') return std::nullopt;
        config = std::string(*value);
    }
    if (!command) return std::nullopt;
    return config.value_or(std::string());
}

std::optional<std::string> read_request() {
    std::string input;
    char buffer[16384];
    while (input.size() <= kubelet::kMaxRequestBytes) {
        const auto n = ::read(0, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return input.empty() ? std::nullopt : std::optional(input);
        if (n == 0) break;
        input.append(buffer, static_cast<std::size_t>(n));
    }
    return input;
}

} // namespace pullcred::front
