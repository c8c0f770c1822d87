#include "util/duration.hpp"

#include <cstdint>
#include <pullcred/duration.hpp>

namespace pullcred {

namespace {
// The last `digits` decimal digits of `value` as ".ddd" without trailing
// zeros (nothing when they are all zero); `value` keeps the rest (Go's fmtFrac).
std::string take_fraction(std::uint64_t &value, int digits) {
    std::string fraction;
    bool significant = false;
    for (int i = 0; i < digits; ++i) {
        const auto digit = static_cast<char>('0' + value % 10);
        significant = significant || digit != '0';
        if (significant) fraction.insert(fraction.begin(), digit);
        value /= 10;
    }
    return significant ? "." + fraction : std::string();
}
} // namespace

Result<std::chrono::nanoseconds> parse_go_duration_exact(std::string_view text) {
    auto parsed = sdk::parse_go_duration(text);
    if (!parsed.error.empty())
        return Error::failed("invalid duration \"" + std::string(text) + "\": " + parsed.error +
                             " (use Go syntax such as 5h, 90m or 1h30m)");
    return std::chrono::nanoseconds(parsed.nanoseconds);
}

Result<std::chrono::seconds> parse_go_duration(std::string_view text) {
    auto parsed = parse_go_duration_exact(text);
    if (!parsed) return parsed.error();
    return std::chrono::duration_cast<std::chrono::seconds>(*parsed);
}

std::string format_go_duration(std::chrono::nanoseconds duration) {
    if (duration.count() <= 0) return "0s";
    auto value = static_cast<std::uint64_t>(duration.count());
    if (value < 1'000'000'000) {
        const char *unit = value < 1'000 ? "ns" : value < 1'000'000 ? "\u00b5s" : "ms";
        const int digits = value < 1'000 ? 0 : value < 1'000'000 ? 3 : 6;
        const auto fraction = take_fraction(value, digits);
        return std::to_string(value) + fraction + unit;
    }
    const auto fraction = take_fraction(value, 9);
    std::string out = std::to_string(value % 60) + fraction + "s";
    const auto minutes = value / 60;
    if (minutes == 0) return out;
    out = std::to_string(minutes % 60) + "m" + out;
    const auto hours = minutes / 60;
    return hours == 0 ? out : std::to_string(hours) + "h" + out;
}

} // namespace pullcred
