// One way to quote a value from outside (an image reference, a host, a
// pattern) in an error or log line: in double quotes, control characters,
// quotes and backslashes escaped, and at most `limit` bytes of it, so that a
// 200 KB image gives a short line: "abc…" (200000 bytes).
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

namespace pullcred::text {

inline constexpr std::size_t kQuoteLimit = 128;

inline std::string quote_bounded(std::string_view text, std::size_t limit = kQuoteLimit) {
    const bool cut = text.size() > limit;
    std::size_t end = cut ? limit : text.size();
    // Never cut inside a UTF-8 sequence.
    while (cut && end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) --end;
    std::string out = "\"";
    for (const char ch : text.substr(0, end)) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c < 0x20 || c == 0x7f) {
            char escaped[8];
            (void)std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
            out += escaped;
        } else {
            out += ch;
        }
    }
    out += cut ? "\u2026\" (" + std::to_string(text.size()) + " bytes)" : "\"";
    return out;
}

} // namespace pullcred::text
