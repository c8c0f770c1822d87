// Loads module files with Boost.DLL and checks their descriptor against the
// host's ABI. Loaded libraries stay loaded until the process exits.
#pragma once

#include <filesystem>
#include <pullcred/module.h>
#include <string>
#include <string_view>

#include "util/input_file.hpp"
#include "util/result.hpp"

namespace pullcred::modules {

struct LoadedModule {
    std::filesystem::path path;
    const pullcred_module *descriptor = nullptr;
};

// Checks the file's trust (file_trust.hpp) and, when `pinned_sha256` is
// given, its SHA-256, then loads the very file it checked; `identity`
// (optional) receives that file's identity.
Result<LoadedModule> load_module(const std::filesystem::path &path, std::string_view pinned_sha256 = {},
                                 FileIdentity *identity = nullptr);

// Checks a descriptor as load_module() does (exposed for tests).
Status check_descriptor(const pullcred_module *descriptor, const std::filesystem::path &path);

} // namespace pullcred::modules
