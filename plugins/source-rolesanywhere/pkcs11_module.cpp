#include "pkcs11_module.hpp"

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <mutex>

namespace pullcred_ra {

using pullcred::sdk::Error;

namespace {

pullcred::sdk::Error untrusted(const std::string &library, const std::string &where) {
    return Error::failed(
        "PKCS#11 library " + library + ": " + where +
        " can be changed by a user other than root; make it owned by root and writable by root "
        "alone (chown root; chmod go-w)");
}

// As root: the library and every directory above it owned by root and not
// writable by group or others (the rule pullcred applies to every input).
Result<bool> trusted_path(const std::string &path) {
    if (::geteuid() != 0 || path.find('/') == std::string::npos) return true;
    std::string current = path;
    for (;;) {
        struct stat info {};
        if (::stat(current.c_str(), &info) != 0) return true; // missing: dlopen says so
        if (info.st_uid != 0 || (info.st_mode & (S_IWGRP | S_IWOTH)) != 0) return untrusted(path, current);
        if (current == "/") return true;
        const auto slash = current.find_last_of('/');
        if (slash == std::string::npos) return true; // relative: checked up to the working directory
        current = slash == 0 ? "/" : current.substr(0, slash);
    }
}

struct Loaded {
    std::mutex mutex;
    std::map<std::string, CK_FUNCTION_LIST *> modules;
};

Loaded &loaded() {
    static Loaded instance;
    return instance;
}

} // namespace

std::string ckr_name(CK_RV rv) {
    switch (rv) {
    case CKR_PIN_INCORRECT:
        return "CKR_PIN_INCORRECT";
    case CKR_PIN_LOCKED:
        return "CKR_PIN_LOCKED";
    case CKR_PIN_EXPIRED:
        return "CKR_PIN_EXPIRED";
    case CKR_USER_PIN_NOT_INITIALIZED:
        return "CKR_USER_PIN_NOT_INITIALIZED";
    case CKR_TOKEN_NOT_PRESENT:
        return "CKR_TOKEN_NOT_PRESENT";
    case CKR_TOKEN_NOT_RECOGNIZED:
        return "CKR_TOKEN_NOT_RECOGNIZED";
    case CKR_DEVICE_ERROR:
        return "CKR_DEVICE_ERROR";
    case CKR_DEVICE_REMOVED:
        return "CKR_DEVICE_REMOVED";
    case CKR_KEY_TYPE_INCONSISTENT:
        return "CKR_KEY_TYPE_INCONSISTENT";
    case CKR_KEY_FUNCTION_NOT_PERMITTED:
        return "CKR_KEY_FUNCTION_NOT_PERMITTED";
    case CKR_MECHANISM_INVALID:
        return "CKR_MECHANISM_INVALID";
    case CKR_FUNCTION_NOT_SUPPORTED:
        return "CKR_FUNCTION_NOT_SUPPORTED";
    case CKR_USER_NOT_LOGGED_IN:
        return "CKR_USER_NOT_LOGGED_IN";
    case CKR_GENERAL_ERROR:
        return "CKR_GENERAL_ERROR";
    case CKR_ARGUMENTS_BAD:
        return "CKR_ARGUMENTS_BAD";
    default:
        break;
    }
    char buffer[32];
    (void)std::snprintf(buffer, sizeof buffer, "CK_RV 0x%lx", static_cast<unsigned long>(rv));
    return buffer;
}

Result<CK_FUNCTION_LIST *> pkcs11_module(const std::string &library) {
    auto &state = loaded();
    const std::lock_guard lock(state.mutex);
    if (const auto it = state.modules.find(library); it != state.modules.end()) return it->second;
    if (auto trusted = trusted_path(library); !trusted) return trusted.error();
    void *handle = ::dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr)
        return Error::failed("PKCS#11 library " + library +
                             " cannot be loaded (missing, or not a shared library); give the module's "
                             "path with --pkcs11-lib (pkcs11Lib), e.g. /usr/lib/softhsm/libsofthsm2.so" +
                             (library == kDefaultPkcs11Library
                                  ? std::string(", or install p11-kit's proxy (Debian p11-kit-modules)")
                                  : std::string()));
    auto *get_list = reinterpret_cast<CK_C_GetFunctionList>(::dlsym(handle, "C_GetFunctionList")); // NOLINT
    CK_FUNCTION_LIST *functions = nullptr;
    if (get_list == nullptr || get_list(&functions) != CKR_OK || functions == nullptr) {
        ::dlclose(handle);
        return Error::failed("PKCS#11 library " + library +
                             " is not a PKCS#11 module (no C_GetFunctionList); give the module's path with "
                             "--pkcs11-lib (pkcs11Lib)");
    }
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    const CK_RV rv = functions->C_Initialize(&args);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        ::dlclose(handle);
        return Error::failed("PKCS#11 library " + library + ": C_Initialize failed (" + ckr_name(rv) +
                             "); check the module's own configuration (SoftHSM: SOFTHSM2_CONF)");
    }
    // Kept for the process: see the header.
    state.modules.emplace(library, functions);
    return functions;
}

} // namespace pullcred_ra
