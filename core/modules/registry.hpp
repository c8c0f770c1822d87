// The factories of every loaded module, by name. Two factories of one name
// are refused: which one would serve a profile must never be a guess.
// A module may be registered deferred (modules/module_index.hpp): its factory
// names are known from the index and it is loaded on the first find() of one.
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
    // A module known by its factory names only; refused like add() refuses.
    Status add_deferred(const std::filesystem::path &path, std::string pinned_sha256,
                        std::vector<std::string> factory_names);
    // A module that failed to load when it was indexed: tried again only when
    // a name is found nowhere else.
    void add_unknown(const std::filesystem::path &path, std::string pinned_sha256);
    // Loads a deferred module when it provides `name`; problems loading it are
    // logged as warnings.
    [[nodiscard]] const FactoryRef *find(std::string_view name) const;
    [[nodiscard]] const std::vector<LoadedModule> &modules() const { return modules_; }
    [[nodiscard]] const std::map<std::string, FactoryRef, std::less<>> &factories() const {
        return factories_;
    }

private:
    struct Deferred {
        std::filesystem::path path;
        std::string pinned_sha256;
        std::vector<std::string> names; // empty for an unknown module
        bool tried = false;
    };
    Status add_loaded(const LoadedModule &module, const Deferred *replacing) const;
    void load_deferred(Deferred &deferred) const;

    // Mutable: find() loads deferred modules; the registry is otherwise read-only
    // then.
    mutable std::vector<LoadedModule> modules_;
    mutable std::map<std::string, FactoryRef, std::less<>> factories_;
    mutable std::vector<Deferred> deferred_;
    std::map<std::string, std::size_t, std::less<>> deferred_names_; // into deferred_
};

// The install's module directory: <exe dir>/../lib/pullcred/modules.
std::filesystem::path default_module_dir();

// The *.so files of a module directory, sorted; none when it does not exist.
std::vector<std::filesystem::path> module_files(const std::filesystem::path &module_dir);

struct Discovery {
    Registry registry;
    std::vector<std::string> problems; // one line each, naming the file and the fix
};

// Modules compiled into the executable (the host's built-in sources): they go
// through the same ABI as every module, and are registered first.
using Builtins = std::vector<const pullcred_module *>;

// A discovery that holds `builtins` only.
Discovery discovery_of_builtins(const Builtins &builtins);
// The modules to discover: the *.so of `module_dir`, then those named in config.
std::vector<config::ModuleRef> modules_to_discover(const std::filesystem::path &module_dir,
                                                   const std::vector<config::ModuleRef> &extra);

// Loads every *.so in `module_dir` (when it exists) and every module named in
// config; a module that fails is reported and skipped.
Discovery discover_modules(const std::filesystem::path &module_dir,
                           const std::vector<config::ModuleRef> &extra, const Builtins &builtins = {});

std::string_view kind_name(pullcred_factory_kind kind);

} // namespace pullcred::modules
