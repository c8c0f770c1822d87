// Helpers for text a module got from outside (a server's reply, a file) and
// wants to check or put in an error line. Header-only; no ABI involved.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pullcred::sdk {

// Well-formed UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF.
inline bool valid_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        if (lead < 0x80) {
            ++i;
            continue;
        }
        std::size_t length = 0;
        unsigned char low = 0x80;
        unsigned char high = 0xbf;
        if (lead >= 0xc2 && lead <= 0xdf) {
            length = 2;
        } else if (lead >= 0xe0 && lead <= 0xef) {
            length = 3;
            if (lead == 0xe0) low = 0xa0;
            if (lead == 0xed) high = 0x9f;
        } else if (lead >= 0xf0 && lead <= 0xf4) {
            length = 4;
            if (lead == 0xf0) low = 0x90;
            if (lead == 0xf4) high = 0x8f;
        } else {
            return false;
        }
        if (i + length > text.size()) return false;
        for (std::size_t k = 1; k < length; ++k) {
            const auto byte = static_cast<unsigned char>(text[i + k]);
            if (byte < (k == 1 ? low : 0x80) || byte > (k == 1 ? high : 0xbf)) return false;
        }
        i += length;
    }
    return true;
}

namespace detail {
// `text` cut past `limit` bytes (then "..."), every byte `keep` refuses a space.
template <class Keep> std::string bounded_line(std::string_view text, std::size_t limit, Keep keep) {
    std::string out;
    for (const char c : text) {
        if (out.size() >= limit) {
            out += "...";
            break;
        }
        out.push_back(keep(static_cast<unsigned char>(c)) ? c : ' ');
    }
    return out;
}
} // namespace detail

// `text` fit for one line of an error: control characters become spaces, and
// past `limit` bytes it is cut and ends in "...". It does not redact: never
// pass it text that may hold a secret.
inline std::string one_line(std::string_view text, std::size_t limit = 300) {
    return detail::bounded_line(text, limit, [](unsigned char byte) { return byte >= 0x20 && byte != 0x7f; });
}

// Like one_line, but keeps printable ASCII only (every other byte becomes a
// space): for text a server sent that need not be UTF-8 at all.
inline std::string printable_ascii(std::string_view text, std::size_t limit = 300) {
    return detail::bounded_line(text, limit, [](unsigned char byte) { return byte >= 0x20 && byte < 0x7f; });
}

} // namespace pullcred::sdk
