#include "process_output.hpp"

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <pullcred/duration.hpp>
#include <pullcred/time.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pullcred_process {
namespace {

constexpr std::string_view kShape =
    R"(it must print {"Version": 1, "AccessKeyId": "...", "SecretAccessKey": "...", "SessionToken": "...", )"
    R"("Expiration": "2026-11-28T12:00:00Z"} (SessionToken and Expiration optional))";

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
                   (!text.empty() && pullcred::sdk::looks_like_time(text) ? " (" + text + ")"
                                                                          : std::string()) +
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
