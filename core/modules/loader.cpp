#include "modules/loader.hpp"

#include <boost/dll/shared_library.hpp>
#include <deque>
#include <dlfcn.h>
#include <mutex>
#include <string_view>
#include <sys/stat.h>

#include <pullcred/descriptor_check.hpp>

#include "modules/elf_symbols.hpp"
#include "modules/file_trust.hpp"

namespace pullcred::modules {

namespace {

// Never unloaded: factories and instances point into these libraries.
std::deque<boost::dll::shared_library> &libraries() {
    static auto *kept = new std::deque<boost::dll::shared_library>(); // NOLINT: intentionally
                                                                      // leaked
    return *kept;
}

} // namespace

Status check_descriptor(const pullcred_module *descriptor, const std::filesystem::path &path) {
    const auto problems = sdk::descriptor_problems(descriptor);
    if (problems.empty()) return ok();
    return Error::failed(module_prefix(path) + problems.front());
}

Result<LoadedModule> load_module(const std::filesystem::path &path, std::string_view pinned_sha256,
                                 FileIdentity *identity) {
    auto file = TrustedFile::open(path);
    if (!file) return file.error();
    if (!pinned_sha256.empty()) {
        auto digest = file->sha256_hex();
        if (!digest) return digest.error();
        if (*digest != pinned_sha256)
            return Error::failed(module_prefix(path) +
                                 "refused, its SHA-256 does not match the sha256 pinned "
                                 "in the config");
    }

    // dlopen runs a file's constructors: only a file that is a pullcred
    // module at all gets that far.
    auto entry_defined = defines_dynamic_function(file->fd(), PULLCRED_MODULE_ENTRY_SYMBOL);
    if (!entry_defined)
        return Error::failed(module_prefix(path) + "refused before loading, it " +
                             entry_defined.error().message +
                             "; name a pullcred module built for this platform with "
                             "pullcred_add_module()");
    if (!*entry_defined)
        return Error::failed(module_prefix(path) + "refused before loading, it has no symbol " +
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
        // dlerror names the file by the descriptor path; the user knows it by its
        // own.
        for (auto at = reason.find(opened); at != std::string::npos; at = reason.find(opened, at))
            reason.replace(at, opened.size(), path.string());
        return Error::failed(module_prefix(path) + "cannot be loaded: " + reason +
                             "; check that it is a pullcred module built for this platform");
    }
    if (!library.has(PULLCRED_MODULE_ENTRY_SYMBOL))
        return Error::failed(module_prefix(path) + "has no symbol " +
                             std::string(PULLCRED_MODULE_ENTRY_SYMBOL) +
                             "; build it with pullcred_add_module() and PULLCRED_MODULE(...)");
    auto &entry = library.get<std::remove_pointer_t<pullcred_module_entry_fn>>(PULLCRED_MODULE_ENTRY_SYMBOL);
    const pullcred_module *descriptor = entry(PULLCRED_ABI_MAJOR, PULLCRED_ABI_MINOR);
    if (auto valid = check_descriptor(descriptor, path); !valid) return valid.error();

    struct stat info {};
    if (identity != nullptr) *identity = ::fstat(file->fd(), &info) == 0 ? identity_of(info) : FileIdentity{};
    static std::mutex mutex;
    const std::lock_guard lock(mutex);
    libraries().push_back(std::move(library));
    return LoadedModule{path, descriptor};
}

} // namespace pullcred::modules
