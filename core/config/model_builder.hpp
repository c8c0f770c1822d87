// From config text to the model, without the schema: the document (YAML or
// JSON), then the model built from a document the schema has accepted, with
// the checks a schema cannot say (durations, globs, references).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/model.hpp"
#include "config/problem.hpp"

namespace pullcred::config {

// The document of `text`; nullopt (with the problem) when it does not parse,
// is not a mapping or holds a string too long for the schema's patterns.
std::optional<nlohmann::json> read_document(std::string_view text, const std::string &file_name,
                                            std::vector<Problem> &problems);

// Builds `config` from a schema-valid document. A document the schema has not
// accepted may throw nlohmann::json::exception.
void build_config(const nlohmann::json &document, Config &config, std::vector<Problem> &problems);

} // namespace pullcred::config
