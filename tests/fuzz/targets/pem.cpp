// PEM certificate and key files for Roles Anywhere (pem_blocks, OpenSSL):
// pem_blocks, all_certificates, private_key (with and without a password),
// key_kind, key_matches_certificate, certificate facts; read_certificate_file
// (PEM, DER or PKCS#12 with an empty password) and sign_bytes.
// Properties: never crashes or leaks; errors are one line and name the
// origin, never quoting the file; every block has a label; a parsed key is
// RSA or EC and can sign.
#include "fuzz_secret.hpp"
#include "x509_material.hpp"

using namespace pullcred;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    constexpr std::string_view origin = "fuzz.pem";
    if (auto blocks = pullcred_ra::pem_blocks(text, origin)) {
        for (const auto &block : *blocks) FUZZ_CHECK(!block.label.empty(), "block without a label");
    } else {
        fuzz::check_error(blocks.error().message, text);
    }
    auto certs = pullcred_ra::all_certificates(text, origin);
    if (!certs) fuzz::check_error(certs.error().message, text);
    for (const auto &password : {std::optional<std::string>{}, std::optional<std::string>{"password"}}) {
        auto key = pullcred_ra::private_key(text, origin, password);
        if (!key) {
            fuzz::check_error(key.error().message, text);
            continue;
        }
        auto kind = pullcred_ra::key_kind(key->get(), origin);
        if (!kind) {
            fuzz::check_error(kind.error().message, text);
            continue;
        }
        auto signature = pullcred_ra::sign_hex(key->get(), "string to sign");
        FUZZ_CHECK(signature.ok() && !signature->empty(), "a parsed key cannot sign");
        if (certs)
            for (const auto &cert : *certs)
                (void)pullcred_ra::key_matches_certificate(cert.get(), key->get());
    }
    if (auto file = pullcred_ra::read_certificate_file(text, origin)) {
        FUZZ_CHECK(file->certificate != nullptr, "a certificate file without a certificate");
        FUZZ_CHECK(!file->pkcs12 || file->key != nullptr, "a PKCS#12 bundle without a key");
        if (file->key && pullcred_ra::key_kind(file->key.get(), origin).ok()) {
            auto signature = pullcred_ra::sign_bytes(file->key.get(), "string to sign", "SHA384");
            FUZZ_CHECK(signature.ok() && !signature->empty(), "a bundle's RSA or EC key cannot sign");
        }
    } else {
        fuzz::check_error(file.error().message, text);
    }
    if (certs) {
        for (const auto &cert : *certs) {
            FUZZ_CHECK(!pullcred_ra::serial_hex(cert.get()).empty(), "certificate without a serial");
            (void)pullcred_ra::serial_decimal(cert.get());
            (void)pullcred_ra::der_base64(cert.get());
            (void)pullcred_ra::subject_text(cert.get());
            (void)pullcred_ra::not_before_unix(cert.get());
            (void)pullcred_ra::not_after_unix(cert.get());
        }
    }
    return 0;
}
