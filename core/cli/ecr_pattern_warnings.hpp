// The warnings of one rule about matchImages that can send aws.ecr hosts
// that are not ECR hosts, each located ("registries[N].matchImages[M] ...").
// Shared by check-config and explain.
#pragma once

#include <string>
#include <vector>

#include "config/model.hpp"

namespace pullcred::cli {

std::vector<std::string> ecr_pattern_warnings(const config::Rule &rule);

} // namespace pullcred::cli
