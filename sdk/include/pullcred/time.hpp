// RFC 3339 times ("2026-12-03T10:00:00Z", "…T11:00:00.5+01:00"), as STS, IAM
// Roles Anywhere and credential_process write expirations. Header-only; no
// ABI involved.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace pullcred::sdk {

namespace detail {
// Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's
// algorithms).
inline std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct CivilDate {
    std::int64_t year;
    unsigned month;
    unsigned day;
};

inline CivilDate civil_from_days(std::int64_t days) {
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto doe = static_cast<unsigned>(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

inline std::optional<int> digits_at(std::string_view text, std::size_t at, std::size_t count) {
    if (at + count > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = at; i < at + count; ++i) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}
} // namespace detail

// Unix seconds of YYYY-MM-DD(T|t| )HH:MM:SS[.fraction](Z|z|+HH:MM|-HH:MM);
// nullopt for anything else, an impossible date (2025-02-29) included. The
// fraction is dropped; a leap second (:60) counts as the next second.
inline std::optional<std::int64_t> parse_rfc3339(std::string_view text) {
    using detail::digits_at;
    if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
        (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || text[13] != ':' || text[16] != ':')
        return std::nullopt;
    const auto year = digits_at(text, 0, 4), month = digits_at(text, 5, 2), day = digits_at(text, 8, 2);
    const auto hour = digits_at(text, 11, 2), minute = digits_at(text, 14, 2),
               second = digits_at(text, 17, 2);
    if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
    const bool leap = (*year % 4 == 0 && *year % 100 != 0) || *year % 400 == 0;
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (*month < 1 || *month > 12 || *day < 1 || *day > kDays[*month - 1] + (*month == 2 && leap ? 1 : 0) ||
        *hour > 23 || *minute > 59 || *second > 60)
        return std::nullopt;
    std::size_t at = 19;
    if (text[at] == '.') {
        const auto start = ++at;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
        if (at == start) return std::nullopt;
    }
    if (at >= text.size()) return std::nullopt;
    std::int64_t offset = 0;
    if (text[at] == 'Z' || text[at] == 'z') {
        ++at;
    } else if (text[at] == '+' || text[at] == '-') {
        const auto offset_hours = digits_at(text, at + 1, 2), offset_minutes = digits_at(text, at + 4, 2);
        if (!offset_hours || !offset_minutes || text[at + 3] != ':' || *offset_hours > 23 ||
            *offset_minutes > 59)
            return std::nullopt;
        offset = (std::int64_t{*offset_hours} * 60 + *offset_minutes) * 60 * (text[at] == '-' ? -1 : 1);
        at += 6;
    } else {
        return std::nullopt;
    }
    if (at != text.size()) return std::nullopt;
    const auto days =
        detail::days_from_civil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day));
    return days * 86400 + std::int64_t{*hour} * 3600 + std::int64_t{*minute} * 60 + *second - offset;
}

// True when `text` could be nothing but a (maybe malformed) time: at most 40
// bytes of digits, "-:.+ ", T and Z. Only such text is safe to quote in an
// error about a bad expiration; anything else might be a secret printed in
// the wrong place.
inline bool looks_like_time(std::string_view text) {
    return text.size() <= 40 && text.find_first_not_of("0123456789-:.+TtZz ") == std::string_view::npos;
}

// "2026-12-03T10:00:00Z" for Unix seconds.
inline std::string format_rfc3339(std::int64_t unix_seconds) {
    std::int64_t days = unix_seconds / 86400;
    std::int64_t rest = unix_seconds % 86400;
    if (rest < 0) {
        rest += 86400;
        --days;
    }
    const auto date = detail::civil_from_days(days);
    char buffer[64];
    static_cast<void>(std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02uT%02d:%02d:%02dZ",
                                    static_cast<long long>(date.year), date.month, date.day,
                                    static_cast<int>(rest / 3600), static_cast<int>(rest / 60 % 60),
                                    static_cast<int>(rest % 60)));
    return buffer;
}

} // namespace pullcred::sdk
