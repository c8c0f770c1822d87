#include "request/rule_selection.hpp"

#include "match/glob.hpp"

namespace pullcred::request {

Selection select_rule(const config::Config &config, const match::ImageRef &image) {
    return select_rule_after(config, image, nullptr);
}

Selection select_rule_after(const config::Config &config, const match::ImageRef &image,
                            const config::Rule *after) {
    const auto first = after == nullptr ? std::size_t{0} : after->index + 1;
    for (auto index = first; index < config.registries.size(); ++index) {
        const auto &rule = config.registries[index];
        for (const auto &pattern : rule.match_images)
            if (match::match_image(pattern, image)) return {&rule, pattern};
    }
    return {};
}

} // namespace pullcred::request
