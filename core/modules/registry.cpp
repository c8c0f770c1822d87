#include "modules/registry.hpp"

#include <algorithm>

#include "log/logger.hpp"
#include "modules/file_trust.hpp"
#include "util/install_prefix.hpp"

namespace pullcred::modules {

namespace {
std::string already_provided(const std::filesystem::path &path, std::string_view name,
                             const std::filesystem::path &other) {
    return "module " + path.string() + ": refused, factory \"" + std::string(name) +
           "\" is already provided by " + other.string() + "; remove one of the two modules";
}

std::string defined_twice(const std::filesystem::path &path, std::string_view name) {
    return "module " + path.string() + ": refused, it defines factory \"" + std::string(name) +
           "\" twice; fix the module's factory table";
}
} // namespace

Status Registry::add(const LoadedModule &module) {
    return add_loaded(module, nullptr);
}

Status Registry::add_loaded(const LoadedModule &module, const Deferred *replacing) const {
    const auto *descriptor = module.descriptor;
    for (std::size_t i = 0; i < descriptor->factory_count; ++i) {
        const auto *factory = descriptor->factories[i];
        if (auto existing = factories_.find(factory->name); existing != factories_.end())
            return Error::failed(already_provided(module.path, factory->name, existing->second.module_path));
        if (auto other = deferred_names_.find(factory->name);
            other != deferred_names_.end() && &deferred_[other->second] != replacing)
            return Error::failed(already_provided(module.path, factory->name, deferred_[other->second].path));
        for (std::size_t j = 0; j < i; ++j)
            if (std::string_view(descriptor->factories[j]->name) == factory->name)
                return Error::failed(defined_twice(module.path, factory->name));
    }
    for (std::size_t i = 0; i < descriptor->factory_count; ++i) {
        const auto *factory = descriptor->factories[i];
        factories_.emplace(factory->name,
                           FactoryRef{factory, descriptor->name, descriptor->version, module.path});
    }
    modules_.push_back(module);
    return ok();
}

Status Registry::add_deferred(const std::filesystem::path &path, std::string pinned_sha256,
                              std::vector<std::string> factory_names) {
    for (std::size_t i = 0; i < factory_names.size(); ++i) {
        const auto &name = factory_names[i];
        if (auto existing = factories_.find(name); existing != factories_.end())
            return Error::failed(already_provided(path, name, existing->second.module_path));
        if (auto other = deferred_names_.find(name); other != deferred_names_.end())
            return Error::failed(already_provided(path, name, deferred_[other->second].path));
        if (std::find(factory_names.begin(), factory_names.begin() + static_cast<std::ptrdiff_t>(i), name) !=
            factory_names.begin() + static_cast<std::ptrdiff_t>(i))
            return Error::failed(defined_twice(path, name));
    }
    for (const auto &name : factory_names) deferred_names_.emplace(name, deferred_.size());
    deferred_.push_back({path, std::move(pinned_sha256), std::move(factory_names), false});
    return ok();
}

void Registry::add_unknown(const std::filesystem::path &path, std::string pinned_sha256) {
    deferred_.push_back({path, std::move(pinned_sha256), {}, false});
}

void Registry::load_deferred(Deferred &deferred) const {
    if (deferred.tried) return;
    deferred.tried = true;
    auto loaded = load_module(deferred.path, deferred.pinned_sha256);
    if (!loaded) {
        if (!deferred.names.empty()) log::warn(loaded.error().message);
        return;
    }
    if (!deferred.names.empty()) {
        std::vector<std::string> names;
        for (std::size_t i = 0; i < loaded->descriptor->factory_count; ++i)
            names.emplace_back(loaded->descriptor->factories[i]->name);
        std::sort(names.begin(), names.end());
        auto expected = deferred.names;
        std::sort(expected.begin(), expected.end());
        if (names != expected) {
            log::warn(module_prefix(deferred.path) +
                      "refused, its factories changed since pullcred indexed it; run "
                      "the command again");
            return;
        }
    }
    if (auto added = add_loaded(*loaded, &deferred); !added) log::warn(added.error().message);
}

const FactoryRef *Registry::find(std::string_view name) const {
    if (auto it = factories_.find(name); it != factories_.end()) return &it->second;
    if (auto deferred = deferred_names_.find(name); deferred != deferred_names_.end()) {
        load_deferred(deferred_[deferred->second]);
    } else {
        for (auto &unknown : deferred_)
            if (unknown.names.empty()) load_deferred(unknown);
    }
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

Discovery discovery_of_builtins(const Builtins &builtins) {
    Discovery discovery;
    for (const auto *module : builtins)
        if (auto added = discovery.registry.add({"(built-in)", module}); !added)
            discovery.problems.push_back(added.error().message);
    return discovery;
}

std::vector<config::ModuleRef> modules_to_discover(const std::filesystem::path &module_dir,
                                                   const std::vector<config::ModuleRef> &extra) {
    std::vector<config::ModuleRef> files;
    for (auto &path : module_files(module_dir)) files.push_back({std::move(path), ""});
    files.insert(files.end(), extra.begin(), extra.end());
    return files;
}

Discovery discover_modules(const std::filesystem::path &module_dir,
                           const std::vector<config::ModuleRef> &extra, const Builtins &builtins) {
    auto discovery = discovery_of_builtins(builtins);
    const auto files = modules_to_discover(module_dir, extra);

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
