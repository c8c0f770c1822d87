#include "http/trust_store.hpp"

#include <chrono>
#include <dirent.h>
#include <map>
#include <mutex>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

namespace pullcred::net {
namespace {

using Clock = std::chrono::steady_clock;

// A long-running process (signing-helper serve) sees a renewed system store
// this long after the previous one was built; a changed bundle at once.
constexpr auto kStoreLifetime = std::chrono::minutes(10);

struct Cached {
    StorePtr store; // nullptr: this source is not there (remembered too)
    Clock::time_point built;
};

// Built stores by source. Never destroyed: a store may outlive main in a
// connection that is still being torn down.
std::map<std::string, Cached> &cached_stores() {
    static auto *stores = new std::map<std::string, Cached>;
    return *stores;
}
std::mutex g_stores_mutex;

template <typename Build> StorePtr shared_store(const std::string &key, std::string &error, Build build) {
    const std::lock_guard lock(g_stores_mutex);
    auto &stores = cached_stores();
    const auto now = Clock::now();
    std::erase_if(stores, [&](const auto &entry) { return now - entry.second.built > kStoreLifetime; });
    auto found = stores.find(key);
    if (found == stores.end()) {
        StorePtr built = build(error);
        if (!built && !error.empty()) return nullptr; // an error is not remembered: the next call tries again
        found = stores.emplace(key, Cached{std::move(built), now}).first;
    }
    X509_STORE *store = found->second.store.get();
    if (store == nullptr || X509_STORE_up_ref(store) != 1) return nullptr;
    return StorePtr(store);
}

// Flags as libcurl sets them on the stores it builds: try the trusted
// certificates first, and let an intermediate in the store anchor a chain.
StorePtr new_store() {
    StorePtr store(X509_STORE_new());
    if (store) X509_STORE_set_flags(store.get(), X509_V_FLAG_TRUSTED_FIRST | X509_V_FLAG_PARTIAL_CHAIN);
    return store;
}

// The certificates (and CRLs) of `pem` added to `store`; the number of certificates.
int add_pem(X509_STORE *store, std::string_view pem) {
    BIO *bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    if (bio == nullptr) return 0;
    STACK_OF(X509_INFO) *infos = PEM_X509_INFO_read_bio(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    int certificates = 0;
    for (int i = 0; infos != nullptr && i < sk_X509_INFO_num(infos); ++i) {
        const X509_INFO *info = sk_X509_INFO_value(infos, i);
        if (info->x509 != nullptr && X509_STORE_add_cert(store, info->x509) == 1) ++certificates;
        if (info->crl != nullptr) (void)X509_STORE_add_crl(store, info->crl);
    }
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
    return certificates;
}

// "<8 hex digits>.<digits>": a certificate link of `openssl rehash`.
bool is_hash_link_name(std::string_view name) {
    const auto dot = name.find('.');
    if (dot != 8 || name.size() == dot + 1) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        if (i < dot ? !hex : (i > dot && (c < '0' || c > '9'))) return false;
    }
    return true;
}

bool has_hash_links(const std::string &directory) {
    DIR *dir = ::opendir(directory.c_str());
    if (dir == nullptr) return false;
    bool found = false;
    while (const dirent *entry = ::readdir(dir)) {
        if (is_hash_link_name(entry->d_name)) {
            found = true;
            break;
        }
    }
    ::closedir(dir);
    return found;
}

StorePtr directory_store(const SystemCas &cas) {
    if (!has_hash_links(cas.directory)) return nullptr;
    auto store = new_store();
    X509_LOOKUP *lookup = store ? X509_STORE_add_lookup(store.get(), X509_LOOKUP_hash_dir()) : nullptr;
    if (lookup == nullptr || X509_LOOKUP_add_dir(lookup, cas.directory.c_str(), X509_FILETYPE_PEM) != 1)
        return nullptr;
    return store;
}

std::string joined(const std::vector<std::string> &paths) {
    std::string text;
    for (const auto &path : paths) text += (text.empty() ? "" : ", ") + path;
    return text;
}

StorePtr bundle_file_store(const SystemCas &cas, std::string &error) {
    const auto bundle = system_bundle(cas);
    if (bundle.empty()) {
        error =
            "no system CA certificates: neither hashed links in " + cas.directory + " nor any of " +
            joined(cas.bundles) +
            "; install the ca-certificates package or point AWS_CA_BUNDLE at a PEM file of the CAs to trust";
        return nullptr;
    }
    auto store = new_store();
    if (!store || X509_STORE_load_file(store.get(), bundle.c_str()) != 1) {
        error = "the system CA bundle " + bundle +
                " holds no certificate OpenSSL can read; reinstall the ca-certificates package or point "
                "AWS_CA_BUNDLE at a PEM file of the CAs to trust";
        return nullptr;
    }
    return store;
}

} // namespace

StorePtr bundle_store(std::string_view pem, std::string &error) {
    // Keyed by the content itself: a changed bundle is another store.
    return shared_store("bundle\n" + std::string(pem), error, [&](std::string &failure) {
        auto store = new_store();
        if (store && add_pem(store.get(), pem) > 0) return store;
        failure = "holds no PEM certificate (-----BEGIN CERTIFICATE-----), or one OpenSSL cannot read";
        return StorePtr();
    });
}

std::string system_bundle(const SystemCas &cas) {
    struct stat info {};
    for (const auto &path : cas.bundles)
        if (::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode)) return path;
    return {};
}

StorePtr system_store(const SystemCas &cas, SystemLookup lookup, std::string &error) {
    if (lookup == SystemLookup::directory)
        return shared_store("directory " + cas.directory, error,
                            [&](std::string &) { return directory_store(cas); });
    return shared_store("bundle file " + joined(cas.bundles), error,
                        [&](std::string &failure) { return bundle_file_store(cas, failure); });
}

} // namespace pullcred::net
