// The certificates TLS connections are verified against, built once per
// process and shared by its connections (a proxy's too). With OpenSSL 3.0,
// reading the system bundle (about 140 certificates) takes 20 to 35 ms, more
// than the TLS exchange of a cold fetch, and Roles Anywhere makes two. So an
// explicit bundle is read once, and the system's CAs are looked up by subject
// hash in their directory (/etc/ssl/certs as update-ca-certificates keeps
// it), one file per issuer; the system bundle file is read only where that
// directory has no hashed links, or once a server is not trusted by the
// directory alone.
#pragma once

#include <memory>
#include <openssl/x509_vfy.h>
#include <string>
#include <string_view>
#include <vector>

namespace pullcred::net {

struct StoreDeleter {
    void operator()(X509_STORE *store) const { X509_STORE_free(store); }
};
using StorePtr = std::unique_ptr<X509_STORE, StoreDeleter>;

// The store for an explicit CA bundle's PEM content (the request's,
// AWS_CA_BUNDLE or settings.caBundle): nothing else is trusted. The same
// content gives the same store, other content another. nullptr with `error`
// when it holds no certificate.
StorePtr bundle_store(std::string_view pem, std::string &error);

struct SystemCas {
    std::string directory;            // <subject hash>.<n> links, as `openssl rehash` makes them
    std::vector<std::string> bundles; // one PEM file of them all: the first that exists
};

// The system bundle file in use: the first of `cas.bundles` that exists; empty if none.
std::string system_bundle(const SystemCas &cas);

enum class SystemLookup { directory, bundle };

// The store of the system's CAs found through `lookup`. nullptr without an
// error for a directory with no hashed links: the bundle is to be used.
// nullptr with `error` when no bundle exists or it holds no certificate.
StorePtr system_store(const SystemCas &cas, SystemLookup lookup, std::string &error);

} // namespace pullcred::net
