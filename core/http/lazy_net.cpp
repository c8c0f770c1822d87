#include "http/lazy_net.hpp"

#include <boost/dll/shared_library.hpp>
#include <dlfcn.h>
#include <mutex>

#include "util/install_prefix.hpp"

namespace pullcred::net {

Result<NetServices *> load_net_services() {
    static std::mutex mutex;
    static NetServices *services = nullptr;
    const std::lock_guard lock(mutex);
    if (services != nullptr) return services;

    boost::dll::fs::error_code error;
    const boost::dll::fs::path path =
        (install_prefix() / PULLCRED_PRIVATE_LIB_SUBDIR / "libpullcred-net.so").string();
    // Never unloaded: OpenSSL's cached algorithms and any thread still in
    // the library must outlive every static destructor.
    static auto *library = new boost::dll::shared_library(); // NOLINT(cppcoreguidelines-owning-memory)
    library->load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, error);
    if (error || !library->is_loaded()) {
        const char *detail = ::dlerror();
        return Error::failed("cannot load " + path.string() + ": " + (detail ? detail : error.message()) +
                             "; reinstall pullcred");
    }
    if (!library->has(kNetServicesSymbol))
        return Error::failed(path.string() + " lacks " + kNetServicesSymbol);
    services = library->get<NetServicesEntry>(kNetServicesSymbol)();
    if (services == nullptr) return Error::failed(path.string() + ": initialisation failed");
    return services;
}

} // namespace pullcred::net
