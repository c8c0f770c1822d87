#include "aws/profile/region.hpp"

namespace pullcred::aws {

std::optional<RegionSetting> resolve_region(const EnvLookup &env, const Profile *profile) {
    if (auto region = env_value(env, "AWS_REGION")) return RegionSetting{*region, "AWS_REGION"};
    if (auto region = env_value(env, "AWS_DEFAULT_REGION"))
        return RegionSetting{*region, "AWS_DEFAULT_REGION"};
    if (profile != nullptr) {
        if (auto region = profile->region()) {
            std::string source = "profile '" + profile->name() + "'";
            const std::string file = profile->origin("region");
            if (!file.empty()) source += " (" + file + ")";
            return RegionSetting{*region, std::move(source)};
        }
    }
    return std::nullopt;
}

} // namespace pullcred::aws
