// Picks the rule for an image: the first rule whose matchImages matches.
#pragma once

#include <string_view>

#include "config/model.hpp"
#include "match/image_ref.hpp"

namespace pullcred::request {

struct Selection {
    const config::Rule *rule = nullptr; // nullptr: no rule matches
    std::string_view pattern;           // the pattern that matched
};

Selection select_rule(const config::Config &config, const match::ImageRef &image);

// The rule after `after` (nullptr: the first) whose matchImages matches: a
// backend that answers "not applicable" hands the image to the next one.
Selection select_rule_after(const config::Config &config, const match::ImageRef &image,
                            const config::Rule *after);

} // namespace pullcred::request
