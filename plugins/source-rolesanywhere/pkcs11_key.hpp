// Certificates and keys in PKCS#11 tokens, found as aws_signing_helper
// finds them (draft-woodhouse-cert-best-practice): the certificate is
// searched in every token the URI matches without logging in, then, if none
// is found and exactly one token matches, after logging in with the URI's
// pin-value. The key comes from the --private-key URI, else the certificate's
// URI (retried by the certificate's CKA_ID when a CKA_LABEL search finds no
// key); among several keys, the one that signs what the certificate's public
// key verifies. Keys with CKA_ALWAYS_AUTHENTICATE get the user PIN as their
// context-specific PIN only with --reuse-pin (pullcred never prompts). A
// certificate from the token comes with the issuers the token holds (its
// chain, without a self-signed root).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "x509_material.hpp"

namespace pullcred_ra {

struct Pkcs11Options {
    std::string library; // empty: p11-kit's proxy
    bool reuse_pin = false;
};

struct Pkcs11Material {
    CertPtr certificate;
    std::vector<CertPtr> chain; // issuers found in the token (certificate from the token only)
    std::shared_ptr<ExternalKey> key;
    KeyKind kind = KeyKind::ec;
};

// `certificate_uri`: the certificate's URI, or empty when `file_certificate`
// (read from a file) is the certificate. `key_uri`: the key's URI, or empty
// to look beside the certificate (then certificate_uri must be set).
Result<Pkcs11Material> pkcs11_material(const std::string &certificate_uri, const X509 *file_certificate,
                                       const std::string &key_uri, const Pkcs11Options &options);

struct Pkcs11Certificate {
    std::string uri; // the object's own URI, as aws_signing_helper lists it (no PIN)
    CertPtr certificate;
};

// Every certificate `certificate_uri` matches, perhaps none (read-certificate-data's list).
Result<std::vector<Pkcs11Certificate>> pkcs11_certificates(const std::string &certificate_uri,
                                                           const Pkcs11Options &options);

} // namespace pullcred_ra
