// Which AWS region a client uses: $AWS_REGION, then $AWS_DEFAULT_REGION,
// then the profile's `region` (empty values count as unset).
#pragma once

#include <optional>
#include <string>

#include "aws/profile/environment.hpp"
#include "aws/profile/shared_config.hpp"

namespace pullcred::aws {

struct RegionSetting {
    std::string region;
    std::string source; // "AWS_REGION", "AWS_DEFAULT_REGION" or "profile 'NAME' (FILE)"
};

// nullopt when no region is configured anywhere (`profile` may be null).
std::optional<RegionSetting> resolve_region(const EnvLookup &env, const Profile *profile);

} // namespace pullcred::aws
