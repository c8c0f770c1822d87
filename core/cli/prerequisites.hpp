// What the in-tree sources and backends need on this machine at request
// time, checked the way the host checks it then: files present, readable and
// trusted (util/input_file.hpp, util/trust.hpp), environment variables set,
// AWS profiles present in the files they are read from, ECR rules with a
// profile. The needs are a table keyed by factory name, from each factory's
// keys that name a file, a directory, an environment variable or a program:
// the module ABI has no hook through which a module could say them itself.
#pragma once

#include <vector>

#include "config/model.hpp"
#include "config/problem.hpp"

namespace pullcred::cli {

std::vector<config::Problem> profile_prerequisites(const config::Profile &profile);
std::vector<config::Problem> rule_prerequisites(const config::Rule &rule, const config::Config &config);
// The host's own: settings.caBundle.
std::vector<config::Problem> host_prerequisites(const config::Config &config);

} // namespace pullcred::cli
