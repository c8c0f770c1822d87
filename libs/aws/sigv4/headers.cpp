#include "aws/sigv4/headers.hpp"

#include <algorithm>
#include <array>

namespace pullcred::aws {
namespace {

bool is_tchar(char c) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
    constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
    return extra.find(c) != std::string_view::npos;
}

// Length of the whitespace character starting at text[i], 0 when none.
std::size_t whitespace_at(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) {
        return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0u;
    };
    const unsigned b0 = byte(0);
    if ((b0 >= 0x09 && b0 <= 0x0d) || (b0 >= 0x1c && b0 <= 0x20)) return 1;
    if (b0 == 0xc2 && (byte(1) == 0x85 || byte(1) == 0xa0)) return 2;
    if (b0 == 0xe1 && byte(1) == 0x9a && byte(2) == 0x80) return 3;
    if (b0 == 0xe2 && byte(1) == 0x80) {
        const unsigned b2 = byte(2);
        if ((b2 >= 0x80 && b2 <= 0x8a) || b2 == 0xa8 || b2 == 0xa9 || b2 == 0xaf) return 3;
    }
    if (b0 == 0xe2 && byte(1) == 0x81 && byte(2) == 0x9f) return 3;
    if (b0 == 0xe3 && byte(1) == 0x80 && byte(2) == 0x80) return 3;
    return 0;
}

} // namespace

bool is_valid_header_name(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), is_tchar);
}

bool is_valid_header_value(std::string_view value) {
    return std::none_of(value.begin(), value.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && u != '\t') || u == 0x7f;
    });
}

std::string to_lower_ascii(std::string_view text) {
    std::string out(text);
    for (char &c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::string canonical_header_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    bool pending_space = false;
    std::size_t i = 0;
    while (i < value.size()) {
        if (const std::size_t space = whitespace_at(value, i); space != 0) {
            pending_space = !out.empty();
            i += space;
            continue;
        }
        if (pending_space) out.push_back(' ');
        pending_space = false;
        out.push_back(value[i]);
        ++i;
    }
    return out;
}

bool is_unsigned_header(std::string_view lower_case_name) {
    static constexpr std::array<std::string_view, 4> names = {"authorization", "expect", "user-agent",
                                                              "x-amzn-trace-id"};
    return std::find(names.begin(), names.end(), lower_case_name) != names.end();
}

} // namespace pullcred::aws
