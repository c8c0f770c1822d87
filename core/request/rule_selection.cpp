#include "request/rule_selection.hpp"

#include "dispatch/glob.hpp"

namespace pullcred::request {

Selection select_rule(const config::Config &config, const dispatch::ImageRef &image) {
    return select_rule_after(config, image, nullptr);
}

Selection select_rule_after(const config::Config &config, const dispatch::ImageRef &image,
                            const config::Rule *after) {
    const auto first = after == nullptr ? std::size_t{0} : after->index + 1;
    for (auto index = first; index < config.registries.size(); ++index) {
        const auto &rule = config.registries[index];
        for (const auto &pattern : rule.match_images)
            if (dispatch::match_image(pattern, image)) return {&rule, pattern};
    }
    return {};
}

} // namespace pullcred::request
