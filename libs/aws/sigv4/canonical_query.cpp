#include "aws/sigv4/canonical_query.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace pullcred::aws {

std::string canonical_query_string(std::string_view query) {
    if (query.empty()) return {};
    std::vector<std::pair<std::string_view, std::string_view>> pairs;
    std::size_t start = 0;
    while (start <= query.size()) {
        const auto amp = query.find('&', start);
        const auto end = amp == std::string_view::npos ? query.size() : amp;
        const std::string_view piece = query.substr(start, end - start);
        const auto equals = piece.find('=');
        if (equals == std::string_view::npos) {
            pairs.emplace_back(piece, std::string_view{});
        } else {
            pairs.emplace_back(piece.substr(0, equals), piece.substr(equals + 1));
        }
        start = end + 1;
    }
    std::sort(pairs.begin(), pairs.end());
    std::string out;
    out.reserve(query.size() + pairs.size());
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        if (i != 0) out.push_back('&');
        out.append(pairs[i].first);
        out.push_back('=');
        out.append(pairs[i].second);
    }
    return out;
}

} // namespace pullcred::aws
