// JSON parsing that refuses what a strict decoder refuses: duplicate keys,
// trailing garbage, invalid UTF-8, nesting deeper than 64 levels (deep
// documents would exhaust the stack when copied). Never throws.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "util/result.hpp"

namespace pullcred {

Result<nlohmann::json> parse_json_strict(std::string_view text);

} // namespace pullcred
