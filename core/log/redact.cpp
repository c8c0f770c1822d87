#include "log/redact.hpp"

#include <algorithm>
#include <array>
#include <mutex>
#include <optional>
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

bool is_marker_at(std::string_view text, std::size_t pos) {
    return text.compare(pos, kRedacted.size(), kRedacted) == 0;
}

// The start of the marker that covers pos, if any ("[REDACTED]" cannot
// overlap itself, so there is at most one).
std::optional<std::size_t> marker_covering(std::string_view text, std::size_t pos) {
    const auto first = pos >= kRedacted.size() - 1 ? pos - (kRedacted.size() - 1) : 0;
    for (auto start = first; start <= pos; ++start)
        if (is_marker_at(text, start)) return start;
    return std::nullopt;
}

// Replaces every occurrence of needle, widened to whole markers where it
// overlaps one. An occurrence inside a marker is the marker spelling the
// secret and stays. Each replacement removes a character that was not a
// marker or joins markers, so repeating this reaches a fixpoint.
void replace_all(std::string &text, std::string_view needle) {
    for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos)) {
        auto start = pos;
        auto end = pos + needle.size();
        const auto first_marker = marker_covering(text, start);
        const auto last_marker = marker_covering(text, end - 1);
        if (first_marker && first_marker == last_marker) {
            ++pos;
            continue;
        }
        if (first_marker) start = *first_marker;
        if (last_marker) end = *last_marker + kRedacted.size();
        text.replace(start, end - start, kRedacted);
        pos = start + kRedacted.size();
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

// Values of secret-named fields: "SecretAccessKey":"v" and "password": "v"
// (JSON), secret_access_key = v and WebIdentityToken=v (INI, forms). A bare
// `name:` counts only for unambiguous names, so that ordinary text such as
// "profile secret: failed" survives.
bool is_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

// A PKCS#11 URI's `token=` names the token (its label), not a secret: true
// when `pos` is in the path part of a "pkcs11:" URI (its PIN is pin-value=).
bool in_pkcs11_uri_path(std::string_view text, std::size_t pos) {
    const auto uri = text.rfind("pkcs11:", pos);
    if (uri == std::string_view::npos) return false;
    return text.substr(uri, pos - uri).find_first_of(" \t\n\"'?,}") == std::string_view::npos;
}

void redact_secret_fields(std::string &text) {
    static constexpr std::array<std::string_view, 12> kNames{"secretaccesskey",
                                                             "secret_access_key",
                                                             "aws_secret_access_key",
                                                             "sessiontoken",
                                                             "session_token",
                                                             "aws_session_token",
                                                             "authorizationtoken",
                                                             "webidentitytoken",
                                                             "password",
                                                             "secret",
                                                             "token",
                                                             "pin-value"};
    static constexpr std::size_t kUnambiguous = 8; // these may also appear as bare `name:`
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (std::size_t n = 0; n < kNames.size(); ++n) {
        const auto name = kNames[n];
        for (auto pos = lower.find(name); pos != std::string::npos; pos = lower.find(name, pos + 1)) {
            const auto end_of_name = pos + name.size();
            if ((pos > 0 && is_name_char(text[pos - 1])) ||
                (end_of_name < text.size() && is_name_char(text[end_of_name])))
                continue;
            if (name == "token" && in_pkcs11_uri_path(text, pos)) continue;
            const bool quoted =
                pos > 0 && text[pos - 1] == '"' && end_of_name < text.size() && text[end_of_name] == '"';
            auto cursor = end_of_name + (quoted ? 1 : 0);
            while (cursor < text.size() && text[cursor] == ' ') ++cursor;
            if (cursor >= text.size()) continue;
            const bool assignment = text[cursor] == '=';
            const bool colon = text[cursor] == ':' && (quoted || n < kUnambiguous);
            if (!assignment && !colon) continue;
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

namespace {
void redact_remembered(std::string &out) {
    std::vector<std::string> values;
    {
        auto &secrets = store();
        const std::lock_guard lock(secrets.mutex);
        values = secrets.values;
    }
    // Longest first, so that a secret containing another is removed whole.
    std::sort(values.begin(), values.end(), [](const auto &a, const auto &b) { return a.size() > b.size(); });
    for (const auto &value : values) replace_all(out, value);
}
} // namespace

std::string redact(std::string_view text) {
    std::string out(text);
    // A redaction can complete another match (a field's [REDACTED] ending a
    // remembered secret), so repeat until nothing changes: redacting twice
    // then gives what redacting once did. Every step removes characters that
    // were not a marker, or joins markers, so this ends.
    for (;;) {
        const auto before = out;
        redact_remembered(out);
        redact_pem_private_keys(out);
        redact_jwts(out);
        redact_secret_fields(out);
        if (out == before) return out;
    }
}

} // namespace pullcred::log
