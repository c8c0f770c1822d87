#include "util/duration.hpp"

#include <array>
#include <cstdint>

namespace pullcred {

namespace {
struct Unit {
    std::string_view name;
    long double nanoseconds;
};
constexpr std::array<Unit, 7> kUnits{{{"ns", 1.0L},
                                      {"us", 1e3L},
                                      {"\xC2\xB5s", 1e3L},
                                      {"ms", 1e6L},
                                      {"s", 1e9L},
                                      {"m", 60e9L},
                                      {"h", 3600e9L}}};
constexpr long double kMaxNanoseconds = 9.2e18L; // Go's int64 nanosecond limit

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
} // namespace

Result<std::chrono::seconds> parse_go_duration(std::string_view text) {
    const auto invalid = [&](std::string_view why) {
        return make_error("invalid duration \"" + std::string(text) + "\": " + std::string(why) +
                          " (use Go syntax such as 5h, 90m or 1h30m)");
    };
    if (text.empty()) return invalid("empty");
    std::string_view rest = text;
    if (rest.front() == '-') return invalid("negative");
    if (rest.front() == '+') rest.remove_prefix(1);
    if (rest == "0") return std::chrono::seconds(0);
    if (rest.empty()) return invalid("no number");
    long double total = 0;
    while (!rest.empty()) {
        long double value = 0;
        std::size_t digits = 0;
        while (digits < rest.size() && is_digit(rest[digits])) {
            value = value * 10 + (rest[digits] - '0');
            ++digits;
        }
        rest.remove_prefix(digits);
        std::size_t fraction_digits = 0;
        if (!rest.empty() && rest.front() == '.') {
            rest.remove_prefix(1);
            long double scale = 0.1L;
            while (fraction_digits < rest.size() && is_digit(rest[fraction_digits])) {
                value += (rest[fraction_digits] - '0') * scale;
                scale /= 10;
                ++fraction_digits;
            }
            rest.remove_prefix(fraction_digits);
        }
        if (digits == 0 && fraction_digits == 0) return invalid("expected a number");
        std::size_t unit_length = 0;
        while (unit_length < rest.size() && rest[unit_length] != '.' && !is_digit(rest[unit_length]))
            ++unit_length;
        const auto unit_name = rest.substr(0, unit_length);
        if (unit_name.empty()) return invalid("missing unit");
        const Unit *unit = nullptr;
        for (const auto &candidate : kUnits)
            if (candidate.name == unit_name) unit = &candidate;
        if (unit == nullptr) return invalid("unknown unit \"" + std::string(unit_name) + "\"");
        rest.remove_prefix(unit_length);
        total += value * unit->nanoseconds;
        if (total > kMaxNanoseconds) return invalid("too large");
    }
    return std::chrono::seconds(static_cast<std::int64_t>(total / 1e9L));
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
