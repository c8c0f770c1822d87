#include "base64.hpp"

#include <cstdint>

namespace pullcred_ecr {

namespace {
int value_of(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}
} // namespace

std::optional<std::string> base64_decode(std::string_view text) {
    // Up to two '=' at the end, and only when they complete a 4-character group.
    std::size_t padding = 0;
    while (!text.empty() && text.back() == '=' && padding < 2) {
        text.remove_suffix(1);
        ++padding;
    }
    if (padding > 0 && (text.size() + padding) % 4 != 0) return std::nullopt;
    if (text.size() % 4 == 1) return std::nullopt;

    std::string out;
    out.reserve(text.size() / 4 * 3 + 2);
    std::uint32_t group = 0;
    int bits = 0;
    for (char c : text) {
        const int value = value_of(c);
        if (value < 0) return std::nullopt;
        group = (group << 6) | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((group >> bits) & 0xFFu));
        }
    }
    // The leftover bits of a final partial group must be zero (canonical encoding).
    if (bits > 0 && (group & ((1u << bits) - 1u)) != 0) return std::nullopt;
    return out;
}

} // namespace pullcred_ecr
