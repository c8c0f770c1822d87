// The X.509 side of IAM Roles Anywhere: reading the certificate, the
// intermediates and the private key from PEM files (every format the
// reference aws_signing_helper reads), checking that they belong together
// and are valid now, and signing a SigV4 string to sign with the key
// (RSA: PKCS#1 v1.5, EC: ECDSA, both over SHA-256).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <pullcred/time.hpp>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/types.h>

#include "aws/sigv4/request.hpp"
#include <pullcred/result.hpp>

namespace pullcred_ra {

using pullcred::sdk::Result;

struct KeyDeleter {
    void operator()(EVP_PKEY *key) const;
};
struct CertDeleter {
    void operator()(X509 *cert) const;
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using CertPtr = std::unique_ptr<X509, CertDeleter>;

enum class KeyKind { rsa, ec };

// One PEM block: its label ("CERTIFICATE", "EC PRIVATE KEY", ...) and DER bytes.
struct PemBlock {
    std::string label;
    std::string der;
    bool has_headers = false; // "Proc-Type: 4,ENCRYPTED" and the like
};

// Every PEM block of `text`, in order; text between blocks is ignored.
Result<std::vector<PemBlock>> pem_blocks(std::string_view text, std::string_view origin);

// The first CERTIFICATE block of `pem`; `origin` names the file in errors.
Result<CertPtr> first_certificate(std::string_view pem, std::string_view origin);
// Every CERTIFICATE block of `pem` (at least one).
Result<std::vector<CertPtr>> all_certificates(std::string_view pem, std::string_view origin);

// The first private key block of `pem`: PKCS#8 "PRIVATE KEY" (RSA, EC), SEC1
// "EC PRIVATE KEY" (possibly after "EC PARAMETERS"), PKCS#1 "RSA PRIVATE
// KEY", or "ENCRYPTED PRIVATE KEY" (PKCS#8, needs `password`).
Result<KeyPtr> private_key(std::string_view pem, std::string_view origin,
                           const std::optional<std::string> &password);

// What a certificate file holds. PEM (first CERTIFICATE block) and DER
// certificates carry no key; a PKCS#12 bundle (empty password, as the
// reference helper has no flag for one; legacy RC2/3DES or AES-256) carries
// the key and the rest of its certificates as the chain.
struct CertificateFile {
    CertPtr certificate;
    std::vector<CertPtr> chain;
    KeyPtr key;
    bool pkcs12 = false;
};
Result<CertificateFile> read_certificate_file(std::string_view bytes, std::string_view origin);

// RSA or EC; an error for other key types.
Result<KeyKind> key_kind(const EVP_PKEY *key, std::string_view origin);

// "AWS4-X509-RSA-SHA256" / "AWS4-X509-ECDSA-SHA256".
std::string_view algorithm_of(KeyKind kind);

// Lower-case hex of the signature of `data` with `key`: RSASSA-PKCS1-v1_5 or
// ECDSA (DER), over SHA-256.
Result<std::string> sign_hex(EVP_PKEY *key, std::string_view data);

// The signature of `data` with `key` over SHA-256, SHA-384 or SHA-512
// (`digest` "SHA256", ...): RSASSA-PKCS1-v1_5 or ECDSA (DER).
Result<std::string> sign_bytes(EVP_PKEY *key, std::string_view data, std::string_view digest);

// Certificate facts.
std::string serial_decimal(const X509 *cert);
std::string serial_hex(const X509 *cert);
std::string der_base64(const X509 *cert);
std::string subject_text(const X509 *cert);
Result<std::int64_t> not_before_unix(const X509 *cert);
Result<std::int64_t> not_after_unix(const X509 *cert);
bool key_matches_certificate(const X509 *cert, const EVP_PKEY *key);

// A private key that never leaves its hardware (a PKCS#11 token): it signs
// `data` over `digest` ("SHA256", ...) and returns the signature as
// sign_bytes() does (RSASSA-PKCS1-v1_5, or ECDSA in DER).
class ExternalKey {
public:
    ExternalKey() = default;
    ExternalKey(const ExternalKey &) = delete;
    ExternalKey &operator=(const ExternalKey &) = delete;
    virtual ~ExternalKey() = default;
    virtual Result<std::string> sign(std::string_view data, std::string_view digest) = 0;
};

// Whether `signature` of `data` over `digest` verifies with `public_key`.
bool verify_signature(const EVP_PKEY *public_key, std::string_view data, std::string_view signature,
                      std::string_view digest);

// What signs a CreateSession request: `key`, or `external` when the key is
// held in a token.
struct SigningMaterial {
    CertPtr certificate;
    std::vector<CertPtr> intermediates;
    KeyPtr key;
    std::shared_ptr<ExternalKey> external;
    KeyKind kind = KeyKind::ec;
};

// The signature of `data` with the material's key (external or not).
Result<std::string> sign_with(const SigningMaterial &material, std::string_view data,
                              std::string_view digest);

// The SigV4-X509 headers to add to `request` (X-Amz-Date, Authorization).
// The request must already carry Content-Type and X-Amz-X509 (and
// X-Amz-X509-Chain when `signed_headers` names it); `signed_headers` is the
// exact lower-case list to sign.
Result<pullcred::aws::HeaderList> sign_request(const pullcred::aws::HttpRequestToSign &request,
                                               const SigningMaterial &material, const std::string &region,
                                               std::int64_t now_unix_seconds,
                                               const std::vector<std::string> &signed_headers);

// Overwrites a string holding key material or a password, then clears it.
void wipe_secret(std::string &text);

// RFC 3339 times: the SDK's (pullcred/time.hpp).
using pullcred::sdk::format_rfc3339;
using pullcred::sdk::parse_rfc3339;

} // namespace pullcred_ra
