#include "x509_material.hpp"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <iterator>
#include <optional>
#include <sstream>
#include <utility>

#include "aws/sigv4/canonical_request.hpp"
#include "aws/sigv4/hash.hpp"
#include "aws/sigv4/scope.hpp"
#include "aws/sigv4/string_to_sign.hpp"
#include "legacy_provider.hpp"

namespace pullcred_ra {

using pullcred::sdk::Error;

void KeyDeleter::operator()(EVP_PKEY *key) const {
    EVP_PKEY_free(key);
}
void CertDeleter::operator()(X509 *cert) const {
    X509_free(cert);
}

namespace {

// The last OpenSSL error as text (and the queue cleared), for messages.
std::string openssl_error() {
    unsigned long code = 0;
    unsigned long last = 0;
    while ((code = ERR_get_error()) != 0) last = code;
    if (last == 0) return "unknown OpenSSL error";
    std::array<char, 256> buffer{};
    ERR_error_string_n(last, buffer.data(), buffer.size());
    return buffer.data();
}

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// Standard base64 with padding; whitespace is skipped.
std::optional<std::string> base64_decode(std::string_view text) {
    std::string out;
    unsigned int buffer = 0;
    int bits = 0;
    int padding = 0;
    for (char c : text) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
        if (c == '=') {
            ++padding;
            continue;
        }
        if (padding > 0) return std::nullopt; // data after padding
        const int value = base64_value(c);
        if (value < 0) return std::nullopt;
        buffer = (buffer << 6U) | static_cast<unsigned int>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> static_cast<unsigned int>(bits)) & 0xFFU));
        }
    }
    if (padding > 2) return std::nullopt;
    return out;
}

std::string trim(std::string_view text) {
    std::size_t begin = 0;
    std::size_t end = text.size();
    while (begin < end && (text[begin] == ' ' || text[begin] == '\t' || text[begin] == '\r')) ++begin;
    while (end > begin && (text[end - 1] == ' ' || text[end - 1] == '\t' || text[end - 1] == '\r')) --end;
    return std::string(text.substr(begin, end - begin));
}

const unsigned char *der_bytes(const std::string &der) {
    return reinterpret_cast<const unsigned char *>(der.data()); // NOLINT
}

long der_length(const std::string &der) {
    return static_cast<long>(der.size());
}

void wipe(std::string &text) {
    if (!text.empty()) OPENSSL_cleanse(text.data(), text.size());
    text.clear();
}

// Wipes the DER of every block when it goes out of scope (key material).
struct WipedBlocks {
    std::vector<PemBlock> blocks;
    WipedBlocks() = default;
    WipedBlocks(const WipedBlocks &) = delete;
    WipedBlocks &operator=(const WipedBlocks &) = delete;
    ~WipedBlocks() {
        for (auto &block : blocks) wipe(block.der);
    }
};

Result<std::int64_t> asn1_time_unix(const ASN1_TIME *time, std::string_view what) {
    std::tm parts{};
    if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) {
        ERR_clear_error();
        return Error::failed("the certificate's " + std::string(what) + " date cannot be read");
    }
    return static_cast<std::int64_t>(timegm(&parts));
}

bool is_key_label(std::string_view label) {
    return label == "PRIVATE KEY" || label == "EC PRIVATE KEY" || label == "RSA PRIVATE KEY" ||
           label == "ENCRYPTED PRIVATE KEY";
}

// Labels are quoted only when they are a known PEM type: an unknown one is
// outside text that could carry anything the file's author put there.
std::string_view shown_label(std::string_view label) {
    static constexpr std::string_view kKnown[] = {
        "CERTIFICATE",   "TRUSTED CERTIFICATE", "X509 CRL",        "CERTIFICATE REQUEST",   "PUBLIC KEY",
        "PRIVATE KEY",   "EC PRIVATE KEY",      "RSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "DSA PRIVATE KEY",
        "EC PARAMETERS", "OPENSSH PRIVATE KEY", "TSS2 PRIVATE KEY"};
    for (const auto known : kKnown)
        if (label == known) return label;
    return "of an unknown type";
}

std::string describe_labels(const std::vector<PemBlock> &blocks) {
    if (blocks.empty()) return "no PEM block at all";
    std::string out = "only ";
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        if (i > 0) out += ", ";
        out += shown_label(blocks[i].label);
    }
    return out;
}

} // namespace

Result<std::vector<PemBlock>> pem_blocks(std::string_view text, std::string_view origin) {
    static constexpr std::string_view kBegin = "-----BEGIN ";
    static constexpr std::string_view kDashes = "-----";
    std::vector<PemBlock> blocks;
    std::size_t position = 0;
    while ((position = text.find(kBegin, position)) != std::string_view::npos) {
        const auto label_start = position + kBegin.size();
        const auto label_end = text.find(kDashes, label_start);
        const auto line_end = text.find('\n', label_start);
        if (label_end == std::string_view::npos ||
            (line_end != std::string_view::npos && label_end > line_end))
            return Error::failed(std::string(origin) + ": malformed PEM BEGIN line");
        const std::string label(text.substr(label_start, label_end - label_start));
        // Only a label of the PEM alphabet is ever quoted: anything else may be key material.
        constexpr std::size_t kMaxLabel = 64;
        if (label.empty() || label.size() > kMaxLabel ||
            label.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ") != std::string::npos)
            return Error::failed(std::string(origin) + ": malformed PEM BEGIN line");
        const std::string end_marker = "-----END " + label + "-----";
        const auto body_start = label_end + kDashes.size();
        const auto end = text.find(end_marker, body_start);
        if (end == std::string_view::npos)
            return Error::failed(std::string(origin) + ": PEM block " + std::string(shown_label(label)) +
                                 " has no END line");
        // Header lines ("Proc-Type: ...") come first and contain ':'; the
        // blank line after them is skipped with the rest of the whitespace.
        std::string_view body = text.substr(body_start, end - body_start);
        PemBlock block;
        block.label = label;
        std::string base64;
        std::size_t line_start = 0;
        while (line_start <= body.size()) {
            auto newline = body.find('\n', line_start);
            if (newline == std::string_view::npos) newline = body.size();
            const auto line = trim(body.substr(line_start, newline - line_start));
            if (line.find(':') != std::string::npos)
                block.has_headers = true;
            else
                base64 += line;
            line_start = newline + 1;
        }
        auto der = base64_decode(base64);
        wipe(base64);
        if (!der || der->empty())
            return Error::failed(std::string(origin) + ": PEM block " + std::string(shown_label(label)) +
                                 " is not valid base64");
        block.der = std::move(*der);
        blocks.push_back(std::move(block));
        position = end + end_marker.size();
    }
    return blocks;
}

Result<std::vector<CertPtr>> all_certificates(std::string_view pem, std::string_view origin) {
    auto blocks = pem_blocks(pem, origin);
    if (!blocks) return blocks.error();
    std::vector<CertPtr> out;
    for (const auto &block : *blocks) {
        if (block.label != "CERTIFICATE") continue;
        const unsigned char *cursor = der_bytes(block.der);
        CertPtr cert(d2i_X509(nullptr, &cursor, der_length(block.der)));
        if (!cert)
            return Error::failed(std::string(origin) + ": CERTIFICATE block " +
                                 std::to_string(out.size() + 1) + " is not a valid X.509 certificate (" +
                                 openssl_error() + ")");
        out.push_back(std::move(cert));
    }
    if (out.empty())
        return Error::failed(std::string(origin) + ": no CERTIFICATE block (found " +
                             describe_labels(*blocks) + ")");
    return out;
}

Result<CertPtr> first_certificate(std::string_view pem, std::string_view origin) {
    auto all = all_certificates(pem, origin);
    if (!all) return all.error();
    return std::move(all->front());
}

Result<KeyPtr> private_key(std::string_view pem, std::string_view origin,
                           const std::optional<std::string> &password) {
    auto parsed = pem_blocks(pem, origin);
    if (!parsed) return parsed.error();
    WipedBlocks blocks;
    blocks.blocks = std::move(*parsed);
    const PemBlock *found = nullptr;
    for (const auto &block : blocks.blocks)
        if (is_key_label(block.label)) {
            found = &block;
            break;
        }
    if (found == nullptr)
        return Error::failed(std::string(origin) +
                             ": no private key block (PRIVATE KEY, EC PRIVATE KEY, RSA PRIVATE KEY or "
                             "ENCRYPTED PRIVATE KEY; found " +
                             describe_labels(blocks.blocks) + ")");
    const std::string where = std::string(origin) + ": " + found->label + ": ";
    if (found->has_headers)
        return Error::failed(where +
                             "legacy encrypted PEM (Proc-Type: 4,ENCRYPTED) is not supported; convert the "
                             "key to PKCS#8 (openssl pkcs8 -topk8)");
    const unsigned char *cursor = der_bytes(found->der);
    const long length = der_length(found->der);
    KeyPtr key;
    if (found->label == "PRIVATE KEY") {
        PKCS8_PRIV_KEY_INFO *info = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &cursor, length);
        if (info != nullptr) {
            key.reset(EVP_PKCS82PKEY(info));
            PKCS8_PRIV_KEY_INFO_free(info);
        }
    } else if (found->label == "EC PRIVATE KEY") {
        key.reset(d2i_PrivateKey(EVP_PKEY_EC, nullptr, &cursor, length));
    } else if (found->label == "RSA PRIVATE KEY") {
        key.reset(d2i_PrivateKey(EVP_PKEY_RSA, nullptr, &cursor, length));
    } else { // ENCRYPTED PRIVATE KEY
        if (!password)
            return Error::failed(where +
                                 "the key is encrypted: set privateKeyPasswordFile or privateKeyPasswordEnv "
                                 "(credential-process: --pkcs8-password)");
        X509_SIG *sealed = d2i_X509_SIG(nullptr, &cursor, length);
        if (sealed == nullptr)
            return Error::failed(where + "not a valid encrypted PKCS#8 key (" + openssl_error() + ")");
        PKCS8_PRIV_KEY_INFO *info =
            PKCS8_decrypt(sealed, password->data(), static_cast<int>(password->size()));
        X509_SIG_free(sealed);
        if (info == nullptr) {
            ERR_clear_error();
            return Error::failed(where +
                                 "cannot decrypt the key: wrong password, or a cipher this OpenSSL lacks");
        }
        key.reset(EVP_PKCS82PKEY(info));
        PKCS8_PRIV_KEY_INFO_free(info);
    }
    if (!key) return Error::failed(where + "not a valid private key (" + openssl_error() + ")");
    return key;
}

Result<KeyKind> key_kind(const EVP_PKEY *key, std::string_view origin) {
    switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
        return KeyKind::rsa;
    case EVP_PKEY_EC:
        return KeyKind::ec;
    default:
        break;
    }
    const char *type = EVP_PKEY_get0_type_name(key);
    return Error::failed(std::string(origin) + ": unsupported key algorithm " + (type ? type : "(unknown)") +
                         ": IAM Roles Anywhere signs with RSA or EC (P-256, P-384) keys");
}

std::string_view algorithm_of(KeyKind kind) {
    return kind == KeyKind::rsa ? pullcred::aws::kX509RsaAlgorithm : pullcred::aws::kX509EcdsaAlgorithm;
}

Result<std::string> sign_hex(EVP_PKEY *key, std::string_view data) {
    auto signature = sign_bytes(key, data, "SHA256");
    if (!signature) return signature.error();
    return pullcred::aws::to_hex(std::vector<unsigned char>(signature->begin(), signature->end()));
}

Result<std::string> sign_bytes(EVP_PKEY *key, std::string_view data, std::string_view digest) {
    const EVP_MD *md = digest == "SHA256"   ? EVP_sha256()
                       : digest == "SHA384" ? EVP_sha384()
                       : digest == "SHA512" ? EVP_sha512()
                                            : nullptr;
    if (md == nullptr) return Error::failed("signing: unknown digest (SHA256, SHA384 or SHA512)");
    struct CtxDeleter {
        void operator()(EVP_MD_CTX *ctx) const { EVP_MD_CTX_free(ctx); }
    };
    std::unique_ptr<EVP_MD_CTX, CtxDeleter> ctx(EVP_MD_CTX_new());
    if (!ctx) return Error::failed("signing: out of memory");
    EVP_PKEY_CTX *key_ctx = nullptr;
    // A key of another provider (a TPM's) signs there: OpenSSL 3.0 would
    // otherwise pick a signature by the global properties and hand it a
    // public-only export of the key.
    const OSSL_PROVIDER *provider = EVP_PKEY_get0_provider(key);
    const char *provider_name = provider == nullptr ? nullptr : OSSL_PROVIDER_get0_name(provider);
    const std::string properties = provider_name == nullptr || std::string_view(provider_name) == "default"
                                       ? std::string()
                                       : "?provider=" + std::string(provider_name);
    const int initialised = properties.empty()
                                ? EVP_DigestSignInit(ctx.get(), &key_ctx, md, nullptr, key)
                                : EVP_DigestSignInit_ex(ctx.get(), &key_ctx, EVP_MD_get0_name(md), nullptr,
                                                        properties.c_str(), key, nullptr);
    if (initialised != 1)
        return Error::failed("signing: cannot use the private key (" + openssl_error() + ")");
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA &&
        EVP_PKEY_CTX_set_rsa_padding(key_ctx, RSA_PKCS1_PADDING) != 1)
        return Error::failed("signing: cannot select PKCS#1 v1.5 padding (" + openssl_error() + ")");
    const auto *bytes = reinterpret_cast<const unsigned char *>(data.data()); // NOLINT
    std::size_t length = 0;
    if (EVP_DigestSign(ctx.get(), nullptr, &length, bytes, data.size()) != 1)
        return Error::failed("signing failed (" + openssl_error() + ")");
    std::vector<unsigned char> signature(length);
    if (EVP_DigestSign(ctx.get(), signature.data(), &length, bytes, data.size()) != 1)
        return Error::failed("signing failed (" + openssl_error() + ")");
    return std::string(reinterpret_cast<const char *>(signature.data()), length); // NOLINT
}

namespace {
const EVP_MD *digest_named(std::string_view digest) {
    return digest == "SHA256"   ? EVP_sha256()
           : digest == "SHA384" ? EVP_sha384()
           : digest == "SHA512" ? EVP_sha512()
                                : nullptr;
}
} // namespace

bool verify_signature(const EVP_PKEY *public_key, std::string_view data, std::string_view signature,
                      std::string_view digest) {
    const EVP_MD *md = digest_named(digest);
    if (md == nullptr || public_key == nullptr) return false;
    struct CtxDeleter {
        void operator()(EVP_MD_CTX *ctx) const { EVP_MD_CTX_free(ctx); }
    };
    std::unique_ptr<EVP_MD_CTX, CtxDeleter> ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX *key_ctx = nullptr;
    // EVP_DigestVerifyInit takes a non-const key but does not change it.
    auto *key = const_cast<EVP_PKEY *>(public_key); // NOLINT
    bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), &key_ctx, md, nullptr, key) == 1;
    if (ok && EVP_PKEY_get_base_id(public_key) == EVP_PKEY_RSA)
        ok = EVP_PKEY_CTX_set_rsa_padding(key_ctx, RSA_PKCS1_PADDING) == 1;
    ok = ok &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char *>(signature.data()),   // NOLINT
                          signature.size(), reinterpret_cast<const unsigned char *>(data.data()), // NOLINT
                          data.size()) == 1;
    ERR_clear_error();
    return ok;
}

Result<std::string> sign_with(const SigningMaterial &material, std::string_view data,
                              std::string_view digest) {
    if (material.external) return material.external->sign(data, digest);
    return sign_bytes(material.key.get(), data, digest);
}

std::string serial_decimal(const X509 *cert) {
    BIGNUM *number = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
    if (number == nullptr) return {};
    char *text = BN_bn2dec(number);
    std::string out = text ? text : "";
    OPENSSL_free(text);
    BN_free(number);
    return out;
}

std::string serial_hex(const X509 *cert) {
    BIGNUM *number = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
    if (number == nullptr) return {};
    char *text = BN_bn2hex(number);
    std::string out = text ? text : "";
    OPENSSL_free(text);
    BN_free(number);
    return out;
}

std::string der_base64(const X509 *cert) {
    unsigned char *der = nullptr;
    const int length = i2d_X509(cert, &der);
    if (length <= 0) return {};
    std::string out(static_cast<std::size_t>(4 * ((length + 2) / 3)) + 1, '\0');
    const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()), der, length); // NOLINT
    OPENSSL_free(der);
    out.resize(written > 0 ? static_cast<std::size_t>(written) : 0U);
    return out;
}

std::string subject_text(const X509 *cert) {
    char *text = X509_NAME_oneline(X509_get_subject_name(cert), nullptr, 0);
    std::string out = text ? text : "";
    OPENSSL_free(text);
    return out;
}

Result<std::int64_t> not_before_unix(const X509 *cert) {
    return asn1_time_unix(X509_get0_notBefore(cert), "notBefore");
}

Result<std::int64_t> not_after_unix(const X509 *cert) {
    return asn1_time_unix(X509_get0_notAfter(cert), "notAfter");
}

bool key_matches_certificate(const X509 *cert, const EVP_PKEY *key) {
    const EVP_PKEY *public_key = X509_get0_pubkey(cert);
    const bool same = public_key != nullptr && EVP_PKEY_eq(public_key, key) == 1;
    ERR_clear_error();
    return same;
}

Result<pullcred::aws::HeaderList> sign_request(const pullcred::aws::HttpRequestToSign &request,
                                               const SigningMaterial &material, const std::string &region,
                                               std::int64_t now_unix_seconds,
                                               const std::vector<std::string> &signed_headers) {
    const auto algorithm = algorithm_of(material.kind);
    const pullcred::aws::SigningScope scope{
        "rolesanywhere", region,
        std::chrono::system_clock::time_point(std::chrono::seconds(now_unix_seconds))};
    auto prepared = pullcred::aws::prepare_signature(
        request, algorithm, scope, pullcred::aws::SignedHeaderSelection::exactly(signed_headers));
    if (!prepared) return prepared.error();
    auto raw = sign_with(material, prepared->string_to_sign, "SHA256");
    if (!raw) return raw.error();
    const auto signature = pullcred::aws::to_hex(std::vector<unsigned char>(raw->begin(), raw->end()));
    pullcred::aws::HeaderList headers;
    headers.emplace_back("X-Amz-Date", prepared->amz_date);
    headers.emplace_back("Authorization", pullcred::aws::authorization_header(
                                              algorithm, serial_decimal(material.certificate.get()),
                                              prepared->credential_scope,
                                              prepared->canonical_request.signed_headers, signature));
    return headers;
}

namespace {

struct Pkcs12Deleter {
    void operator()(PKCS12 *bundle) const { PKCS12_free(bundle); }
};

Result<CertificateFile> read_pkcs12(std::string_view bytes, std::string_view origin) {
    const auto *cursor = reinterpret_cast<const unsigned char *>(bytes.data()); // NOLINT
    std::unique_ptr<PKCS12, Pkcs12Deleter> bundle(
        d2i_PKCS12(nullptr, &cursor, static_cast<long>(bytes.size())));
    if (!bundle) {
        ERR_clear_error();
        return Error::failed(std::string(origin) +
                             ": neither a PEM nor a DER X.509 certificate nor a PKCS#12 bundle; give one of "
                             "those (openssl x509 -in FILE -noout checks a certificate)");
    }
    if (PKCS12_mac_present(bundle.get()) == 1 && PKCS12_verify_mac(bundle.get(), nullptr, 0) != 1 &&
        PKCS12_verify_mac(bundle.get(), "", 0) != 1) {
        ERR_clear_error();
        return Error::failed(
            std::string(origin) +
            ": the PKCS#12 bundle has a password; only bundles with an empty password are read "
            "(as aws_signing_helper): re-export it with openssl pkcs12 -export -passout pass:");
    }
    load_legacy_provider();
    EVP_PKEY *key = nullptr;
    X509 *cert = nullptr;
    STACK_OF(X509) *others = nullptr;
    if (PKCS12_parse(bundle.get(), "", &key, &cert, &others) != 1) {
        return Error::failed(std::string(origin) + ": cannot decrypt the PKCS#12 bundle (" + openssl_error() +
                             "); legacy RC2 bundles need OpenSSL's legacy provider (ossl-modules/legacy.so), "
                             "or re-export the bundle without -legacy");
    }
    CertificateFile out;
    out.pkcs12 = true;
    out.key.reset(key);
    out.certificate.reset(cert);
    for (int i = 0; others != nullptr && i < sk_X509_num(others); ++i)
        out.chain.emplace_back(sk_X509_value(others, i));
    sk_X509_free(others);
    if (!out.key)
        return Error::failed(std::string(origin) +
                             ": the PKCS#12 bundle holds no private key; export it with its key (openssl "
                             "pkcs12 -export -inkey KEY)");
    if (!out.certificate)
        return Error::failed(std::string(origin) +
                             ": the PKCS#12 bundle holds no certificate matching its key; export it with "
                             "the key's certificate (openssl pkcs12 -export -in CERT -inkey KEY)");
    return out;
}

} // namespace

Result<CertificateFile> read_certificate_file(std::string_view bytes, std::string_view origin) {
    CertificateFile out;
    if (bytes.find("-----BEGIN ") != std::string_view::npos) {
        auto cert = first_certificate(bytes, origin);
        if (!cert) return cert.error();
        out.certificate = std::move(*cert);
        return out;
    }
    const auto *cursor = reinterpret_cast<const unsigned char *>(bytes.data()); // NOLINT
    const auto *begin = cursor;
    CertPtr cert(d2i_X509(nullptr, &cursor, static_cast<long>(bytes.size())));
    if (cert && static_cast<std::size_t>(cursor - begin) == bytes.size()) {
        out.certificate = std::move(cert);
        return out;
    }
    ERR_clear_error();
    return read_pkcs12(bytes, origin);
}

void wipe_secret(std::string &text) {
    wipe(text);
}

} // namespace pullcred_ra
