// Go duration strings ("5h", "1h30m", "1.5s", "250ms"), as kubelet, the AWS
// tools and Kubernetes write them. Header-only; no ABI involved.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

namespace pullcred::sdk {

struct GoDuration {
    std::int64_t nanoseconds = 0;
    std::string error; // empty when the text parsed; else what is wrong ("missing unit")
};

// What Go's time.ParseDuration accepts, in integer nanoseconds as Go computes
// them (whole units exact, a fraction through double as Go does), except that
// negative durations are refused.
inline GoDuration parse_go_duration(std::string_view text) {
    const auto fail = [](std::string why) { return GoDuration{0, std::move(why)}; };
    if (text.empty()) return fail("empty");
    if (text.front() == '-') return fail("negative");
    if (text.front() == '+') text.remove_prefix(1);
    if (text == "0") return {};
    if (text.empty()) return fail("no number");
    struct Unit {
        std::string_view name;
        std::uint64_t nanoseconds;
    };
    static constexpr Unit kUnits[] = {
        {"ns", 1},         {"us", 1'000},        {"\xC2\xB5s", 1'000},  {"\xCE\xBCs", 1'000},
        {"ms", 1'000'000}, {"s", 1'000'000'000}, {"m", 60'000'000'000}, {"h", 3'600'000'000'000}};
    constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
    std::uint64_t total = 0;
    while (!text.empty()) {
        std::size_t i = 0;
        std::uint64_t whole = 0;
        while (i < text.size() && is_digit(text[i])) {
            if (whole > kMax / 10) return fail("too large");
            whole = whole * 10 + static_cast<std::uint64_t>(text[i++] - '0');
        }
        const bool any_whole = i > 0;
        std::uint64_t fraction = 0;
        double scale = 1;
        bool any_fraction = false;
        if (i < text.size() && text[i] == '.') {
            ++i;
            bool exact = true; // digits past what fits are below a nanosecond
            while (i < text.size() && is_digit(text[i])) {
                any_fraction = true;
                if (exact && fraction <= (kMax - 9) / 10) {
                    fraction = fraction * 10 + static_cast<std::uint64_t>(text[i] - '0');
                    scale *= 10;
                } else {
                    exact = false;
                }
                ++i;
            }
        }
        if (!any_whole && !any_fraction) return fail("expected a number");
        text.remove_prefix(i);
        std::size_t unit_length = 0;
        while (unit_length < text.size() && text[unit_length] != '.' && !is_digit(text[unit_length]))
            ++unit_length;
        const auto unit_name = text.substr(0, unit_length);
        if (unit_name.empty()) return fail("missing unit");
        const Unit *unit = nullptr;
        for (const auto &candidate : kUnits)
            if (candidate.name == unit_name) unit = &candidate;
        if (unit == nullptr) return fail("unknown unit \"" + std::string(unit_name) + "\"");
        text.remove_prefix(unit_length);
        if (whole > kMax / unit->nanoseconds) return fail("too large");
        auto part = whole * unit->nanoseconds;
        if (fraction > 0) {
            part += static_cast<std::uint64_t>(static_cast<double>(fraction) *
                                               (static_cast<double>(unit->nanoseconds) / scale));
            if (part > kMax) return fail("too large");
        }
        if (part > kMax - total) return fail("too large");
        total += part;
    }
    return {static_cast<std::int64_t>(total), {}};
}

} // namespace pullcred::sdk
