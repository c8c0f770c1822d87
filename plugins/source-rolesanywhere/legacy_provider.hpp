// OpenSSL's legacy provider, which legacy PKCS#12 bundles (RC2-40
// certificate bags) need: from OpenSSL's own search path (OPENSSL_MODULES,
// else the libcrypto's built-in directory), else from the node bundle's
// lib/pullcred/sys/ossl-modules, found beside this code's own file, and only
// when that directory, every directory above it and legacy.so are trusted:
// owned by root (or the running user) and writable by their owner alone.
#pragma once

namespace pullcred_ra {

// Loaded once and kept for the process; a no-op when it cannot be loaded
// (the PKCS#12 read then fails with its own error).
void load_legacy_provider();

} // namespace pullcred_ra
