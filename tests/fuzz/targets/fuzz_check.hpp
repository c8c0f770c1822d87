// Shared helpers for the libFuzzer targets: the input as a string_view and a
// property check that aborts (libFuzzer then saves the input as a crash).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace pullcred::fuzz {

inline std::string_view as_text(const std::uint8_t *data, std::size_t size) {
    return {reinterpret_cast<const char *>(data), size};
}

// Printable form of `text` for failure messages (fuzz inputs are binary).
inline std::string escape(std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte < 0x7f && byte != '\\') {
            out += c;
        } else {
            out += "\\x";
            out += kHex[byte >> 4];
            out += kHex[byte & 0xf];
        }
    }
    return out;
}

[[noreturn]] inline void fail(const char *file, int line, const char *condition, const std::string &detail) {
    std::fprintf(stderr, "\n%s:%d: property violated: %s\n  %s\n", file, line, condition, detail.c_str());
    std::fflush(stderr);
    std::abort();
}

} // namespace pullcred::fuzz

// FUZZ_CHECK(condition, detail): `detail` is any expression convertible to
// std::string, evaluated only on failure.
#define FUZZ_CHECK(condition, detail)                                                                        \
    do {                                                                                                     \
        if (!(condition)) ::pullcred::fuzz::fail(__FILE__, __LINE__, #condition, std::string(detail));       \
    } while (false)
