#include "aws/sigv4/canonical_path.hpp"

#include "aws/sigv4/uri_encode.hpp"

#include <vector>

namespace pullcred::aws {

std::string remove_dot_segments(std::string_view path) {
    if (path.empty()) return {};
    std::vector<std::string_view> segments;
    std::size_t start = 0;
    while (start <= path.size()) {
        const auto slash = path.find('/', start);
        const auto end = slash == std::string_view::npos ? path.size() : slash;
        const std::string_view segment = path.substr(start, end - start);
        if (segment == "..") {
            if (!segments.empty()) segments.pop_back();
        } else if (!segment.empty() && segment != ".") {
            segments.push_back(segment);
        }
        start = end + 1;
    }
    std::string out;
    if (path.front() == '/') out.push_back('/');
    for (std::size_t i = 0; i < segments.size(); ++i) {
        if (i != 0) out.push_back('/');
        out.append(segments[i]);
    }
    if (path.back() == '/' && !segments.empty()) out.push_back('/');
    return out;
}

std::string canonical_uri(std::string_view path) {
    const std::string normalized = path.empty() ? std::string("/") : remove_dot_segments(path);
    return uri_encode(normalized, SlashEncoding::keep);
}

} // namespace pullcred::aws
