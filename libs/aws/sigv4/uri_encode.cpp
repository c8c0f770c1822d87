#include "aws/sigv4/uri_encode.hpp"

namespace pullcred::aws {

bool is_unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

std::string uri_encode(std::string_view text, SlashEncoding slash) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (is_unreserved(c) || (c == '/' && slash == SlashEncoding::keep)) {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(digits[c >> 4]);
            out.push_back(digits[c & 0x0f]);
        }
    }
    return out;
}

std::string encode_query(const std::vector<std::pair<std::string, std::string>> &parameters) {
    std::string out;
    for (const auto &[key, value] : parameters) {
        if (!out.empty()) out.push_back('&');
        out += uri_encode(key);
        out.push_back('=');
        out += uri_encode(value);
    }
    return out;
}

} // namespace pullcred::aws
