#include "cli/ecr_pattern_warnings.hpp"

#include "aws/endpoints/ecr_pattern.hpp"

namespace pullcred::cli {

std::vector<std::string> ecr_pattern_warnings(const config::Rule &rule) {
    std::vector<std::string> warnings;
    if (rule.backend != "aws.ecr") return warnings;
    for (std::size_t m = 0; m < rule.match_images.size(); ++m)
        if (auto warning = aws::ecr_pattern_warning(rule.match_images[m], rule.ecr_mirror_of))
            warnings.push_back("registries[" + std::to_string(rule.index) + "].matchImages[" +
                               std::to_string(m) + "] " + *warning);
    return warnings;
}

} // namespace pullcred::cli
