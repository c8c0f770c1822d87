// The factories of every loaded module, by name. Two factories of one name
// are refused: which one would serve a profile must never be a guess.
#pragma once

#include <filesystem>
#include <map>
#include <pullcred/module.h>
#include <string>
#include <string_view>
#include <vector>

#include "config/model.hpp"
#include "modules/loader.hpp"
#include "util/result.hpp"

namespace pullcred::modules {

struct FactoryRef {
    const pullcred_factory *factory = nullptr;
    std::string module_name;
    std::string module_version;
    std::filesystem::path module_path;
};

class Registry {
public:
    Status add(const LoadedModule &module);
    [[nodiscard]] const FactoryRef *find(std::string_view name) const;
    [[nodiscard]] const std::vector<LoadedModule> &modules() const { return modules_; }
    [[nodiscard]] const std::map<std::string, FactoryRef, std::less<>> &factories() const {
        return factories_;
    }

private:
    std::vector<LoadedModule> modules_;
    std::map<std::string, FactoryRef, std::less<>> factories_;
};

// The install's module directory: <exe dir>/../lib/pullcred/modules.
std::filesystem::path default_module_dir();

// The *.so files of a module directory, sorted; none when it does not exist.
std::vector<std::filesystem::path> module_files(const std::filesystem::path &module_dir);

struct Discovery {
    Registry registry;
    std::vector<std::string> problems; // one line each, naming the file and the fix
};

// Loads every *.so in `module_dir` (when it exists) and every module named in
// config; a module that fails is reported and skipped.
Discovery discover_modules(const std::filesystem::path &module_dir,
                           const std::vector<config::ModuleRef> &extra);

std::string_view kind_name(pullcred_factory_kind kind);

} // namespace pullcred::modules
