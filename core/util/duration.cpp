#include "util/duration.hpp"

#include <pullcred/duration.hpp>

namespace pullcred {

Result<std::chrono::seconds> parse_go_duration(std::string_view text) {
    auto parsed = sdk::parse_go_duration(text);
    if (!parsed.error.empty())
        return make_error("invalid duration \"" + std::string(text) + "\": " + parsed.error +
                          " (use Go syntax such as 5h, 90m or 1h30m)");
    return std::chrono::seconds(parsed.nanoseconds / 1'000'000'000);
}

std::string format_go_duration(std::chrono::seconds duration) {
    auto seconds = duration.count();
    if (seconds <= 0) return "0s";
    const auto hours = seconds / 3600;
    const auto minutes = (seconds % 3600) / 60;
    seconds %= 60;
    std::string out;
    if (hours > 0) out += std::to_string(hours) + "h";
    if (hours > 0 || minutes > 0) out += std::to_string(minutes) + "m";
    out += std::to_string(seconds) + "s";
    return out;
}

} // namespace pullcred
