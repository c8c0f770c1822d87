#include "log/redact.hpp"

#include <algorithm>
#include <array>
#include <mutex>
#include <vector>

namespace pullcred::log {

namespace {

struct SecretStore {
    std::mutex mutex;
    std::vector<std::string> values;
};

SecretStore &store() {
    static SecretStore instance;
    return instance;
}

bool is_token_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '=' || c == '+' || c == '/';
}

void replace_all(std::string &text, std::string_view needle) {
    for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos)) {
        text.replace(pos, needle.size(), kRedacted);
        pos += kRedacted.size();
    }
}

// JWTs (three base64url parts, the first starting "eyJ") anywhere in text.
void redact_jwts(std::string &text) {
    for (auto pos = text.find("eyJ"); pos != std::string::npos; pos = text.find("eyJ", pos)) {
        auto end = pos;
        int dots = 0;
        while (end < text.size() && (is_token_char(text[end]) || text[end] == '.')) {
            if (text[end] == '.') ++dots;
            ++end;
        }
        if (dots >= 2) {
            text.replace(pos, end - pos, kRedacted);
            pos += kRedacted.size();
        } else {
            pos = end;
        }
    }
}

void redact_pem_private_keys(std::string &text) {
    constexpr std::string_view begin = "-----BEGIN ";
    for (auto pos = text.find(begin); pos != std::string::npos; pos = text.find(begin, pos + 1)) {
        const auto label_end = text.find("-----", pos + begin.size());
        if (label_end == std::string::npos) return;
        const auto label = std::string_view(text).substr(pos + begin.size(), label_end - pos - begin.size());
        if (label.find("PRIVATE KEY") == std::string_view::npos) continue;
        const auto end_marker = text.find("-----END ", label_end);
        auto stop = end_marker == std::string::npos ? text.size() : text.find("-----", end_marker + 9);
        stop = stop == std::string::npos ? text.size() : stop + 5;
        text.replace(pos, stop - pos, kRedacted);
    }
}

// "SecretAccessKey":"value", secret_access_key = value, password: value ...
void redact_secret_fields(std::string &text) {
    static constexpr std::array<std::string_view, 9> kNames{
        "secretaccesskey", "secret_access_key", "sessiontoken", "session_token", "password",
        "secret",          "authorizationtoken", "token",       "webidentitytoken"};
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const auto name : kNames) {
        for (auto pos = lower.find(name); pos != std::string::npos; pos = lower.find(name, pos + 1)) {
            auto cursor = pos + name.size();
            while (cursor < text.size() && (text[cursor] == '"' || text[cursor] == ' ')) ++cursor;
            if (cursor >= text.size() || (text[cursor] != ':' && text[cursor] != '=')) continue;
            ++cursor;
            while (cursor < text.size() && (text[cursor] == ' ' || text[cursor] == '"')) ++cursor;
            auto end = cursor;
            while (end < text.size() && text[end] != '"' && text[end] != ',' && text[end] != '}' &&
                   text[end] != ' ' && text[end] != '\n' && text[end] != '&')
                ++end;
            if (end == cursor || std::string_view(text).substr(cursor, end - cursor) == kRedacted) continue;
            text.replace(cursor, end - cursor, kRedacted);
            lower.replace(cursor, end - cursor, kRedacted);
        }
    }
}

} // namespace

void register_secret(std::string_view value) {
    if (value.size() < 4) return;
    auto &secrets = store();
    const std::lock_guard lock(secrets.mutex);
    if (std::find(secrets.values.begin(), secrets.values.end(), value) == secrets.values.end())
        secrets.values.emplace_back(value);
}

std::string redact(std::string_view text) {
    std::string out(text);
    {
        auto &secrets = store();
        const std::lock_guard lock(secrets.mutex);
        // Longest first, so that a secret containing another is removed whole.
        auto values = secrets.values;
        std::sort(values.begin(), values.end(), [](const auto &a, const auto &b) { return a.size() > b.size(); });
        for (const auto &value : values) replace_all(out, value);
    }
    redact_pem_private_keys(out);
    redact_jwts(out);
    redact_secret_fields(out);
    return out;
}

} // namespace pullcred::log
