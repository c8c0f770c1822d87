#include "modules/registry.hpp"

#include <algorithm>

#include "sources/aws_shared_config.hpp"
#include "util/files.hpp"
#include "util/install_prefix.hpp"
#include "util/sha256.hpp"

namespace pullcred::modules {

Status Registry::add(const LoadedModule &module) {
    const auto *descriptor = module.descriptor;
    for (std::size_t i = 0; i < descriptor->factory_count; ++i) {
        const auto *factory = descriptor->factories[i];
        if (auto existing = factories_.find(factory->name); existing != factories_.end())
            return make_error("module " + module.path.string() + ": refused, factory \"" + factory->name +
                              "\" is already provided by " + existing->second.module_path.string() +
                              "; remove one of the two modules");
        for (std::size_t j = 0; j < i; ++j)
            if (std::string_view(descriptor->factories[j]->name) == factory->name)
                return make_error("module " + module.path.string() + ": refused, it defines factory \"" +
                                  factory->name + "\" twice; fix the module's factory table");
    }
    for (std::size_t i = 0; i < descriptor->factory_count; ++i) {
        const auto *factory = descriptor->factories[i];
        factories_.emplace(factory->name,
                           FactoryRef{factory, descriptor->name, descriptor->version, module.path});
    }
    modules_.push_back(module);
    return ok();
}

const FactoryRef *Registry::find(std::string_view name) const {
    auto it = factories_.find(name);
    return it == factories_.end() ? nullptr : &it->second;
}

std::filesystem::path default_module_dir() {
    const auto prefix = install_prefix();
    if (prefix.empty()) return {};
    return prefix / PULLCRED_MODULE_SUBDIR;
}

std::vector<std::filesystem::path> module_files(const std::filesystem::path &module_dir) {
    std::vector<std::filesystem::path> paths;
    std::error_code error;
    if (module_dir.empty() || !std::filesystem::is_directory(module_dir, error)) return paths;
    for (const auto &entry : std::filesystem::directory_iterator(module_dir, error))
        if (entry.path().extension() == ".so") paths.push_back(entry.path());
    std::sort(paths.begin(), paths.end());
    return paths;
}

Discovery discover_modules(const std::filesystem::path &module_dir,
                           const std::vector<config::ModuleRef> &extra) {
    Discovery discovery;
    // The built-in sources go through the same ABI as every module.
    if (auto added = discovery.registry.add({"(built-in)", sources::builtin_module()}); !added)
        discovery.problems.push_back(added.error().message);
    auto paths = module_files(module_dir);
    for (const auto &ref : extra) {
        if (ref.sha256.empty()) {
            paths.push_back(ref.path);
            continue;
        }
        auto content = read_file_capped(ref.path, "module", std::size_t{256} * 1024 * 1024);
        if (!content) {
            discovery.problems.push_back(content.error().message);
        } else if (sha256_hex(*content) != ref.sha256) {
            discovery.problems.push_back(
                "module " + ref.path.string() +
                ": refused, its SHA-256 does not match the sha256 pinned in the config");
        } else {
            paths.push_back(ref.path);
        }
    }

    for (const auto &path : paths) {
        auto loaded = load_module(path);
        if (!loaded) {
            discovery.problems.push_back(loaded.error().message);
            continue;
        }
        if (auto added = discovery.registry.add(*loaded); !added)
            discovery.problems.push_back(added.error().message);
    }
    return discovery;
}

std::string_view kind_name(pullcred_factory_kind kind) {
    switch (kind) {
    case PULLCRED_KIND_CREDENTIAL_SOURCE:
        return "credential source";
    case PULLCRED_KIND_REGISTRY_BACKEND:
        return "registry backend";
    default:
        return "unknown";
    }
}

} // namespace pullcred::modules
