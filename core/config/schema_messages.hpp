// valijson's errors in plain words: the key, what it wants (the type, the
// pattern's meaning or the values allowed, with the example the schema
// gives) and what it got, e.g.
//   settings.deadline: expected a duration string such as "30s", got the number 30
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/problem.hpp"

namespace pullcred::config {

struct SchemaError {
    std::vector<std::string> context; // valijson's: "<root>", "[registries]", "[0]"
    std::string description;          // valijson's text
};

// One problem per key path, the innermost only (valijson also reports each
// enclosing object and list), worded from `schema` and the value found in
// `document`.
std::vector<Problem> plain_schema_problems(const std::vector<SchemaError> &errors,
                                           const nlohmann::json &schema, const nlohmann::json &document);

} // namespace pullcred::config
