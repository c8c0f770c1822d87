// The config as check-config reads it: like the host (the same trust-checked
// read, parser and schema), but going on past schema problems so that one
// run finds the problems of every part (config/partial_build.hpp).
#pragma once

#include <string>
#include <vector>

#include "config/defaults.hpp"
#include "config/model.hpp"
#include "config/problem.hpp"

namespace pullcred::cli {

struct LenientConfig {
    config::Config config;
    std::vector<config::Problem> schema_problems;
    std::vector<config::Problem> problems; // reading the file, and what the model builder found
    std::vector<std::string> module_paths; // each modules[N] of the document, as written
    bool checkable = false;                // a document was read: its model is worth checking further
};

LenientConfig load_leniently(const config::ConfigLocation &location);

} // namespace pullcred::cli
