// The model of a document that the schema refused in places, so that one
// check finds the problems of every part: a profile or rule with a schema
// problem in what the host needs (source, backend) is left out of the model,
// a refused optional key is left out of its rule, a refused setting keeps
// its default, and the rest is built and checked as usual (durations, globs,
// references).
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "config/model.hpp"
#include "config/problem.hpp"

namespace pullcred::config {

// `schema_problems` are the schema's problems with `document` (an object);
// the builder's own problems are added to `problems`.
void build_partial_config(const nlohmann::json &document, const std::vector<Problem> &schema_problems,
                          Config &config, std::vector<Problem> &problems);

} // namespace pullcred::config
