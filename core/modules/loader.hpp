// Loads module files with Boost.DLL and checks their descriptor against the
// host's ABI. Loaded libraries stay loaded until the process exits.
#pragma once

#include <filesystem>
#include <pullcred/module.h>
#include <string>

#include "util/result.hpp"

namespace pullcred::modules {

struct LoadedModule {
    std::filesystem::path path;
    const pullcred_module *descriptor = nullptr;
};

Result<LoadedModule> load_module(const std::filesystem::path &path);

// Checks a descriptor as load_module() does (exposed for tests).
Status check_descriptor(const pullcred_module *descriptor, const std::filesystem::path &path);

} // namespace pullcred::modules
