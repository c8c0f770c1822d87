// YAML (1.2 core schema) to JSON, so that YAML and JSON configs share one
// schema and one loader. Duplicate keys and non-string keys are refused.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "util/result.hpp"

namespace pullcred::config {

Result<nlohmann::json> yaml_to_json(std::string_view text);

} // namespace pullcred::config
