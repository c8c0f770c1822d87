#include "process_output.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <pullcred/duration.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pullcred_process {
namespace {

constexpr std::string_view kShape =
    R"(it must print {"Version": 1, "AccessKeyId": "...", "SecretAccessKey": "...", "SessionToken": "...", )"
    R"("Expiration": "2026-11-28T12:00:00Z"} (SessionToken and Expiration optional))";

bool digits(std::string_view text, std::size_t at, std::size_t count, int &out) {
    if (at + count > text.size()) return false;
    int value = 0;
    for (std::size_t i = at; i < at + count; ++i) {
        if (text[i] < '0' || text[i] > '9') return false;
        value = value * 10 + (text[i] - '0');
    }
    out = value;
    return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

unsigned days_in_month(int year, int month) {
    static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : kDays[month - 1];
}

// Printable text that looks like a time, short enough to quote in an error
// (anything else might be a secret printed in the wrong place).
bool quotable_time(std::string_view text) {
    if (text.empty() || text.size() > 40) return false;
    for (const char c : text) {
        const bool ok = (c >= '0' && c <= '9') || c == '-' || c == ':' || c == '.' || c == '+' || c == 'T' ||
                        c == 't' || c == 'Z' || c == 'z' || c == ' ';
        if (!ok) return false;
    }
    return true;
}

bool has_blank_or_control(std::string_view text) {
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte == 0x7f) return true;
    }
    return false;
}

const char *json_type(const nlohmann::json &value) {
    switch (value.type()) {
    case nlohmann::json::value_t::null:
        return "null";
    case nlohmann::json::value_t::object:
        return "an object";
    case nlohmann::json::value_t::array:
        return "an array";
    case nlohmann::json::value_t::string:
        return "a string";
    case nlohmann::json::value_t::boolean:
        return "a boolean";
    default:
        return "a number";
    }
}

} // namespace

std::variant<ProcessCredentials, std::string> parse_credential_output(std::string_view stdout_text,
                                                                      std::int64_t now_unix) {
    bool blank = true;
    for (const char c : stdout_text) blank = blank && (c == ' ' || c == '\t' || c == '\r' || c == '\n');
    if (blank) return std::string("printed nothing on stdout; ") + std::string(kShape);

    nlohmann::json document;
    try {
        document = nlohmann::json::parse(stdout_text);
    } catch (const nlohmann::json::parse_error &e) {
        // e.what() may quote the text around the error: only its offset is used.
        return "printed something that is not JSON on stdout (" + std::to_string(stdout_text.size()) +
               " bytes, invalid at byte " + std::to_string(e.byte) + "); " + std::string(kShape);
    } catch (const nlohmann::json::exception &) {
        // out_of_range 406, a number such as 1e999 that no double holds, is not a parse_error.
        return "printed JSON with a number out of range on stdout (" + std::to_string(stdout_text.size()) +
               " bytes); " + std::string(kShape);
    }
    if (!document.is_object())
        return std::string("printed JSON that is not an object (") + json_type(document) + "); " +
               std::string(kShape);

    const auto version = document.find("Version");
    if (version == document.end()) return "printed no Version; " + std::string(kShape);
    if (!version->is_number())
        return std::string("printed a Version that is ") + json_type(*version) + ", not the number 1";
    if (version->get<double>() != 1.0) {
        const std::string shown = version->is_number_integer() ? version->dump() : "other than 1";
        return "printed Version " + shown + "; only Version 1 is supported";
    }

    ProcessCredentials out;
    for (auto [key, target] : {std::pair{"AccessKeyId", &out.access_key_id},
                               std::pair{"SecretAccessKey", &out.secret_access_key}}) {
        const auto it = document.find(key);
        if (it == document.end() || it->is_null())
            return std::string("printed no ") + key + "; " + std::string(kShape);
        if (!it->is_string())
            return std::string("printed a ") + key + " that is " + json_type(*it) + ", not a string";
        *target = it->get<std::string>();
        if (target->empty()) return std::string("printed an empty ") + key;
        if (has_blank_or_control(*target))
            return std::string("printed a ") + key + " with blanks or control characters";
    }
    if (const auto it = document.find("SessionToken"); it != document.end() && !it->is_null()) {
        if (!it->is_string())
            return std::string("printed a SessionToken that is ") + json_type(*it) + ", not a string";
        out.session_token = it->get<std::string>();
        if (has_blank_or_control(out.session_token))
            return std::string("printed a SessionToken with blanks or control characters");
    }
    if (const auto it = document.find("Expiration"); it != document.end() && !it->is_null()) {
        if (!it->is_string())
            return std::string("printed an Expiration that is ") + json_type(*it) +
                   ", not an RFC 3339 time such as 2026-11-28T12:00:00Z";
        const auto &text = it->get_ref<const std::string &>();
        const auto expires = parse_rfc3339(text);
        if (!expires)
            return std::string("printed an Expiration") +
                   (quotable_time(text) ? " (" + text + ")" : std::string()) +
                   " that is not an RFC 3339 time such as 2026-11-28T12:00:00Z";
        if (*expires <= now_unix)
            return "printed credentials that have expired: Expiration " + format_rfc3339(*expires) +
                   " is not after now (" + format_rfc3339(now_unix) + ")";
        out.expires_unix = *expires;
    }
    return out;
}

std::string withhold_stdout_values(std::string line, std::string_view stdout_text) {
    constexpr std::size_t kShortest = 8;
    std::vector<std::string> values;
    const auto document = nlohmann::json::parse(stdout_text, nullptr, /*allow_exceptions=*/false);
    if (!document.is_discarded()) {
        std::vector<const nlohmann::json *> pending{&document};
        while (!pending.empty()) {
            const auto *node = pending.back();
            pending.pop_back();
            if (node->is_string()) values.push_back(node->get<std::string>());
            if (node->is_structured())
                for (const auto &child : *node) pending.push_back(&child);
        }
    } else {
        std::size_t start = 0;
        for (std::size_t i = 0; i <= stdout_text.size(); ++i) {
            const bool separator =
                i == stdout_text.size() ||
                std::string_view(" \t\r\n\"'=:,;{}[]").find(stdout_text[i]) != std::string_view::npos;
            if (!separator) continue;
            if (i > start) values.emplace_back(stdout_text.substr(start, i - start));
            start = i + 1;
        }
    }
    for (const auto &value : values) {
        if (value.size() < kShortest) continue;
        constexpr std::string_view kWithheld = "[withheld: printed on stdout]";
        for (auto at = line.find(value); at != std::string::npos;
             at = line.find(value, at + kWithheld.size()))
            line.replace(at, value.size(), kWithheld);
    }
    return line;
}

std::optional<std::int64_t> parse_rfc3339(std::string_view text) {
    int year = 0;
    int month = 0;
    int day = 0;
    int hour = 0;
    int minute = 0;
    int second = 0;
    if (!digits(text, 0, 4, year) || text.size() < 20 || text[4] != '-' || !digits(text, 5, 2, month) ||
        text[7] != '-' || !digits(text, 8, 2, day) ||
        (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !digits(text, 11, 2, hour) ||
        text[13] != ':' || !digits(text, 14, 2, minute) || text[16] != ':' || !digits(text, 17, 2, second))
        return std::nullopt;
    if (month < 1 || month > 12 || day < 1 || static_cast<unsigned>(day) > days_in_month(year, month) ||
        hour > 23 || minute > 59 || second > 60)
        return std::nullopt;
    std::size_t i = 19;
    if (text[i] == '.') {
        const std::size_t start = ++i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
        if (i == start) return std::nullopt;
    }
    if (i >= text.size()) return std::nullopt;
    std::int64_t offset = 0;
    if (text[i] == 'Z' || text[i] == 'z') {
        ++i;
    } else if (text[i] == '+' || text[i] == '-') {
        int offset_hours = 0;
        int offset_minutes = 0;
        if (!digits(text, i + 1, 2, offset_hours) || i + 3 >= text.size() || text[i + 3] != ':' ||
            !digits(text, i + 4, 2, offset_minutes) || offset_hours > 23 || offset_minutes > 59)
            return std::nullopt;
        offset = (std::int64_t{offset_hours} * 60 + offset_minutes) * 60 * (text[i] == '-' ? -1 : 1);
        i += 6;
    } else {
        return std::nullopt;
    }
    if (i != text.size()) return std::nullopt;
    const auto days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    return days * 86400 + std::int64_t{hour} * 3600 + std::int64_t{minute} * 60 + second - offset;
}

std::string format_rfc3339(std::int64_t unix_seconds) {
    std::int64_t days = unix_seconds / 86400;
    std::int64_t rest = unix_seconds % 86400;
    if (rest < 0) {
        rest += 86400;
        --days;
    }
    // civil_from_days (H. Hinnant).
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto doe = static_cast<unsigned>(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
    char buffer[64];
    static_cast<void>(std::snprintf(buffer, sizeof(buffer), "%04lld-%02u-%02uT%02d:%02d:%02dZ",
                                    static_cast<long long>(y), m, d, static_cast<int>(rest / 3600),
                                    static_cast<int>(rest / 60 % 60), static_cast<int>(rest % 60)));
    return buffer;
}

std::optional<std::chrono::milliseconds> parse_go_duration(std::string_view text) {
    const auto parsed = pullcred::sdk::parse_go_duration(text);
    if (!parsed.error.empty()) return std::nullopt;
    return std::chrono::milliseconds((parsed.nanoseconds + 999'999) / 1'000'000);
}

std::string format_duration(std::chrono::milliseconds duration) {
    auto ms = duration.count();
    if (ms <= 0) return "0s";
    if (ms < 1000) return std::to_string(ms) + "ms";
    std::string out;
    const auto hours = ms / 3'600'000;
    const auto minutes = ms / 60'000 % 60;
    if (hours > 0) out += std::to_string(hours) + "h";
    if (hours > 0 || minutes > 0) out += std::to_string(minutes) + "m";
    out += std::to_string(ms / 1000 % 60);
    if (const auto fraction = ms % 1000; fraction != 0) {
        std::string digits = std::to_string(fraction + 1000).substr(1);
        while (digits.back() == '0') digits.pop_back();
        out += "." + digits;
    }
    return out + "s";
}

} // namespace pullcred_process
