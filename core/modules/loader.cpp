#include "modules/loader.hpp"

#include <boost/dll/shared_library.hpp>
#include <deque>
#include <dlfcn.h>
#include <mutex>
#include <string_view>

#include "modules/elf_symbols.hpp"
#include "modules/file_trust.hpp"

namespace pullcred::modules {

namespace {

// Never unloaded: factories and instances point into these libraries.
std::deque<boost::dll::shared_library> &libraries() {
    static auto *kept = new std::deque<boost::dll::shared_library>(); // NOLINT: intentionally leaked
    return *kept;
}

bool valid_factory_name(std::string_view name) {
    if (name.empty() || name.find('.') == std::string_view::npos || name.front() == '.' || name.back() == '.')
        return false;
    for (const char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return false;
    return name.find("..") == std::string_view::npos;
}

Status check_factory(const pullcred_factory *factory, std::size_t index, const std::filesystem::path &path) {
    const auto where = module_prefix(path) + "factory #" + std::to_string(index) + " ";
    if (factory == nullptr) return make_error(where + "is NULL; fix the module's factory table");
    if (factory->struct_size < PULLCRED_FACTORY_SIZE_1_0)
        return make_error(where + "has struct_size " + std::to_string(factory->struct_size) +
                          ", smaller than ABI 1.0's; rebuild the module against the current SDK");
    if (factory->name == nullptr || !valid_factory_name(factory->name))
        return make_error(where + "has an invalid name \"" + std::string(factory->name ? factory->name : "") +
                          "\"; use dotted lower-case names such as \"example.backend\"");
    const std::string named = module_prefix(path) + "factory " + factory->name;
    if (factory->create == nullptr || factory->destroy == nullptr || factory->last_error == nullptr)
        return make_error(named + " lacks create, destroy or last_error; rebuild it with the SDK");
    if (factory->kind == PULLCRED_KIND_CREDENTIAL_SOURCE && factory->get_credentials == nullptr)
        return make_error(named + " is a credential source without get_credentials");
    if (factory->kind == PULLCRED_KIND_REGISTRY_BACKEND && factory->get_auth == nullptr)
        return make_error(named + " is a registry backend without get_auth");
    if (factory->kind != PULLCRED_KIND_CREDENTIAL_SOURCE && factory->kind != PULLCRED_KIND_REGISTRY_BACKEND)
        return make_error(named + " has unknown kind " + std::to_string(factory->kind));
    return ok();
}

} // namespace

Status check_descriptor(const pullcred_module *descriptor, const std::filesystem::path &path) {
    if (descriptor == nullptr)
        return make_error(module_prefix(path) +
                          "pullcred_module_entry returned NULL (the module refuses host ABI " +
                          std::to_string(PULLCRED_ABI_MAJOR) + "." + std::to_string(PULLCRED_ABI_MINOR) +
                          "); install a build of the module for this pullcred version");
    const auto module_abi =
        std::to_string(descriptor->abi_major) + "." + std::to_string(descriptor->abi_minor);
    const auto host_abi = std::to_string(PULLCRED_ABI_MAJOR) + "." + std::to_string(PULLCRED_ABI_MINOR);
    if (descriptor->abi_major != PULLCRED_ABI_MAJOR)
        return make_error(module_prefix(path) + "built for ABI " + module_abi +
                          " but this pullcred speaks ABI " + host_abi +
                          "; rebuild the module against pullcred-sdk " + std::to_string(PULLCRED_ABI_MAJOR) +
                          ".x");
    if (descriptor->abi_minor > PULLCRED_ABI_MINOR)
        return make_error(module_prefix(path) + "needs ABI " + module_abi +
                          ", newer than this pullcred's ABI " + host_abi +
                          "; upgrade pullcred or use an older build of the module");
    if (descriptor->struct_size < sizeof(pullcred_module))
        return make_error(module_prefix(path) +
                          "descriptor struct_size is too small; rebuild the module with the SDK");
    if (descriptor->name == nullptr || descriptor->version == nullptr)
        return make_error(module_prefix(path) + "descriptor has no name or version");
    if (descriptor->factory_count > 0 && descriptor->factories == nullptr)
        return make_error(module_prefix(path) + "descriptor lists factories but the table is NULL");
    for (std::size_t i = 0; i < descriptor->factory_count; ++i)
        if (auto status = check_factory(descriptor->factories[i], i, path); !status) return status;
    return ok();
}

Result<LoadedModule> load_module(const std::filesystem::path &path, std::string_view pinned_sha256) {
    auto file = TrustedFile::open(path);
    if (!file) return file.error();
    if (!pinned_sha256.empty()) {
        auto digest = file->sha256_hex();
        if (!digest) return digest.error();
        if (*digest != pinned_sha256)
            return make_error(module_prefix(path) +
                              "refused, its SHA-256 does not match the sha256 pinned in the config");
    }

    // dlopen runs a file's constructors: only a file that is a pullcred
    // module at all gets that far.
    auto entry_defined = defines_dynamic_function(file->fd(), PULLCRED_MODULE_ENTRY_SYMBOL);
    if (!entry_defined)
        return make_error(module_prefix(path) + "refused before loading, it " +
                          entry_defined.error().message +
                          "; name a pullcred module built for this platform with pullcred_add_module()");
    if (!*entry_defined)
        return make_error(module_prefix(path) + "refused before loading, it has no symbol " +
                          std::string(PULLCRED_MODULE_ENTRY_SYMBOL) +
                          " (it is no pullcred module); build it with pullcred_add_module() and "
                          "PULLCRED_MODULE(...)");

    const auto opened = file->descriptor_path();
    boost::dll::fs::error_code error;
    boost::dll::shared_library library(boost::dll::fs::path(opened),
                                       boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local,
                                       error);
    if (library.is_loaded()) file->keep_open_for_the_process();
    if (error || !library.is_loaded()) {
        std::string reason = error ? error.message() : "unknown error";
        if (const char *detail = ::dlerror()) reason = detail;
        // dlerror names the file by the descriptor path; the user knows it by its own.
        for (auto at = reason.find(opened); at != std::string::npos; at = reason.find(opened, at))
            reason.replace(at, opened.size(), path.string());
        return make_error(module_prefix(path) + "cannot be loaded: " + reason +
                          "; check that it is a pullcred module built for this platform");
    }
    if (!library.has(PULLCRED_MODULE_ENTRY_SYMBOL))
        return make_error(module_prefix(path) + "has no symbol " + std::string(PULLCRED_MODULE_ENTRY_SYMBOL) +
                          "; build it with pullcred_add_module() and PULLCRED_MODULE(...)");
    auto &entry = library.get<std::remove_pointer_t<pullcred_module_entry_fn>>(PULLCRED_MODULE_ENTRY_SYMBOL);
    const pullcred_module *descriptor = entry(PULLCRED_ABI_MAJOR, PULLCRED_ABI_MINOR);
    if (auto valid = check_descriptor(descriptor, path); !valid) return valid.error();

    static std::mutex mutex;
    const std::lock_guard lock(mutex);
    libraries().push_back(std::move(library));
    return LoadedModule{path, descriptor};
}

} // namespace pullcred::modules
