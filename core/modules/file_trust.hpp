// Only trusted files load as modules: owned by root or by the running user,
// and neither the file nor its directory writable by group or others.
#pragma once

#include <filesystem>

#include "util/result.hpp"

namespace pullcred::modules {

Status check_trusted_file(const std::filesystem::path &path);

} // namespace pullcred::modules
