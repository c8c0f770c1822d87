#include "request/rule_selection.hpp"

#include "dispatch/glob.hpp"

namespace pullcred::request {

Selection select_rule(const config::Config &config, std::string_view image) {
    for (const auto &rule : config.registries)
        for (const auto &pattern : rule.match_images)
            if (dispatch::match_image(pattern, image)) return {&rule, pattern};
    return {};
}

} // namespace pullcred::request
