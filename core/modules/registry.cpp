#include "modules/registry.hpp"

#include <algorithm>

#include "sources/aws_shared_config.hpp"
#include "util/install_prefix.hpp"

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
    std::vector<config::ModuleRef> files;
    for (auto &path : module_files(module_dir)) files.push_back({std::move(path), ""});
    files.insert(files.end(), extra.begin(), extra.end());

    for (const auto &[path, sha256] : files) {
        auto loaded = load_module(path, sha256);
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
