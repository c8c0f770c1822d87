// Base64 (RFC 4648): the standard alphabet of registry auth strings
// ("user:password") and the URL-safe one of JWTs. Header-only; no ABI involved.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pullcred::sdk {

enum class Base64Alphabet { standard, url };

namespace detail {
inline constexpr std::string_view kBase64Standard =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
inline constexpr std::string_view kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
} // namespace detail

// Padded output.
inline std::string base64_encode(std::string_view data, Base64Alphabet alphabet = Base64Alphabet::standard) {
    const auto symbols = alphabet == Base64Alphabet::url ? detail::kBase64Url : detail::kBase64Standard;
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < data.size(); i += 3) {
        const std::size_t take = data.size() - i < 3 ? data.size() - i : 3;
        std::uint32_t group = 0;
        for (std::size_t k = 0; k < 3; ++k)
            group = (group << 8U) | (k < take ? static_cast<unsigned char>(data[i + k]) : 0U);
        for (std::size_t k = 0; k < 4; ++k) out += k <= take ? symbols[(group >> (18U - 6U * k)) & 63U] : '=';
    }
    return out;
}

// Strict: one alphabet, no blanks, padding optional but only where it
// completes the last group, and the unused bits of that group zero (the one
// canonical encoding). nullopt for anything else.
inline std::optional<std::string> base64_decode(std::string_view text,
                                                Base64Alphabet alphabet = Base64Alphabet::standard) {
    const auto symbols = alphabet == Base64Alphabet::url ? detail::kBase64Url : detail::kBase64Standard;
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
    unsigned bits = 0;
    for (const char c : text) {
        const auto value = symbols.find(c);
        if (value == std::string_view::npos) return std::nullopt;
        group = (group << 6U) | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((group >> bits) & 0xFFU));
        }
    }
    if (bits > 0 && (group & ((1U << bits) - 1U)) != 0) return std::nullopt;
    return out;
}

} // namespace pullcred::sdk
