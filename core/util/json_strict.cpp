#include "util/json_strict.hpp"

#include <set>
#include <string>
#include <vector>

namespace pullcred {

namespace {
constexpr int kMaxDepth = 64;
struct TooDeep {};
} // namespace

Result<nlohmann::json> parse_json_strict(std::string_view text) {
    std::vector<std::set<std::string>> keys_by_depth;
    std::string duplicate;
    auto track_keys = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json &parsed) {
        using Event = nlohmann::json::parse_event_t;
        const auto level = static_cast<std::size_t>(depth);
        if (depth > kMaxDepth) throw TooDeep{};
        if (event == Event::object_start) {
            keys_by_depth.resize(level + 1);
            keys_by_depth[level].clear();
        } else if (event == Event::key && level > 0 && level <= keys_by_depth.size()) {
            auto &seen = keys_by_depth[level - 1];
            if (!seen.insert(parsed.get<std::string>()).second && duplicate.empty())
                duplicate = parsed.get<std::string>();
        }
        return true;
    };
    nlohmann::json value;
    try {
        value = nlohmann::json::parse(text.begin(), text.end(), track_keys);
    } catch (const TooDeep &) {
        return Error::failed("invalid JSON: nested deeper than " + std::to_string(kMaxDepth) + " levels");
    } catch (const nlohmann::json::exception &e) {
        std::string what = e.what();
        if (auto pos = what.find("] "); pos != std::string::npos) what = what.substr(pos + 2);
        return Error::failed("invalid JSON: " + what);
    }
    if (!duplicate.empty()) return Error::failed("invalid JSON: duplicate key \"" + duplicate + "\"");
    return value;
}

} // namespace pullcred
