// pullcred-signing-helper: the diagnostic commands of aws_signing_helper
// (`read-certificate-data`, `sign-string`) over the same certificates and
// keys as aws.roles-anywhere (PEM, DER, PKCS#12 files, PKCS#11 tokens, TPM 2.0). The host executes it for
// `pullcred signing-helper ...` / `aws_signing_helper ...`, so that the host
// itself never loads OpenSSL. Output and exit codes are the helper's.
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "aws/sigv4/hash.hpp"
#include "pkcs11_key.hpp"
#include "pkcs11_uri.hpp"
#include "tpm_key.hpp"
#include "x509_material.hpp"

namespace pullcred_ra {
namespace {

int fail(const std::string &message) {
    std::cerr << "pullcred: error: " << message << "\n";
    return 1;
}

// The flags of one command: names (without dashes) that take a value, and
// switches. Values are never echoed: --pkcs8-password is one of them.
struct FlagSpec {
    std::set<std::string> values;
    std::set<std::string> switches;
};

struct ParsedFlags {
    std::map<std::string, std::string> values;
    std::set<std::string> switches;
    std::string error;
};

// `--name value`, `--name=value`, `-name value` (the helper's older Go flag
// syntax); switches as `--name` or `--name=true|false`.
ParsedFlags parse_flags(const std::vector<std::string> &args, const FlagSpec &spec,
                        std::string_view command) {
    ParsedFlags out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view arg = args[i];
        if (arg.size() < 2 || arg[0] != '-') {
            out.error = std::string(command) + ": unexpected argument " + std::to_string(i + 1) +
                        " (not a --flag); run `pullcred signing-helper " + std::string(command) + " --help`";
            return out;
        }
        arg.remove_prefix(arg.size() > 2 && arg[1] == '-' ? 2 : 1);
        std::optional<std::string> inline_value;
        if (const auto eq = arg.find('='); eq != std::string_view::npos) {
            inline_value = std::string(arg.substr(eq + 1));
            arg = arg.substr(0, eq);
        }
        const std::string name(arg);
        if (spec.switches.count(name) != 0U) {
            if (inline_value && *inline_value != "true" && *inline_value != "false") {
                out.error = std::string(command) + ": --" + name + " takes no value other than true or false";
                return out;
            }
            if (!inline_value || *inline_value == "true")
                out.switches.insert(name);
            else
                out.switches.erase(name);
            continue;
        }
        if (spec.values.count(name) == 0U) {
            constexpr std::size_t kMaxShown = 40;
            std::string shown;
            for (char c : name.substr(0, kMaxShown)) shown += (c >= 0x21 && c <= 0x7e) ? c : '?';
            out.error = std::string(command) + ": unknown flag --" + shown +
                        "; run `pullcred signing-helper " + std::string(command) + " --help`";
            return out;
        }
        if (inline_value) {
            out.values[name] = std::move(*inline_value);
        } else if (i + 1 < args.size()) {
            out.values[name] = args[++i];
        } else {
            out.error = std::string(command) + ": --" + name + " needs a value";
            return out;
        }
    }
    return out;
}

// The certificate-store flags of the helper, and why pullcred refuses them
// on Linux; nullopt when none is set.
std::optional<std::string> unsupported_flag(const ParsedFlags &flags) {
    for (const char *name :
         {"cert-selector", "system-store-name", "system-store-location", "use-latest-expiring-certificate"})
        if (flags.values.count(name) != 0U || flags.switches.count(name) != 0U)
            return std::string("--") + name +
                   " selects from the Windows or macOS certificate stores, which do not exist on Linux; give "
                   "--certificate FILE (PEM, DER or PKCS#12) or a pkcs11: URI";
    return std::nullopt;
}

Pkcs11Options pkcs11_options(const ParsedFlags &flags) {
    Pkcs11Options out;
    if (const auto it = flags.values.find("pkcs11-lib"); it != flags.values.end()) out.library = it->second;
    out.reuse_pin = flags.switches.count("reuse-pin") != 0U;
    return out;
}

Result<std::string> read_whole_file(const std::string &path, std::string_view flag) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return pullcred::sdk::Error::failed(std::string(flag) + " " + path +
                                            ": cannot read it (missing or not readable)");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

bool help_asked(const std::vector<std::string> &args) {
    for (const auto &arg : args)
        if (arg == "--help" || arg == "-h" || arg == "-help") return true;
    return false;
}

constexpr std::string_view kStoreNote =
    "Not on Linux: --cert-selector, --system-store-name, --system-store-location,\n"
    "--use-latest-expiring-certificate (Windows/macOS certificate stores).\n";

// ---- read-certificate-data ----

// "CN=...,O=..." (RFC 2253, last RDN first) as the helper prints a subject.
std::string subject_line(const X509 *cert) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    if (!bio || X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0,
                                   XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
        return {};
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return {data, static_cast<std::size_t>(size)};
}

std::string sha1_hex(const X509 *cert) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (X509_digest(cert, EVP_sha1(), digest, &size) != 1) return {};
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < size; ++i) {
        out += kHex[digest[i] >> 4U];
        out += kHex[digest[i] & 0xfU];
    }
    return out;
}

// Several certificates match a pkcs11: URI: the helper's list of them, each
// with its SHA-1 fingerprint, subject and own URI.
int list_identities(const std::vector<Pkcs11Certificate> &certs) {
    if (certs.empty()) {
        std::cout << "No matching identities\n" << std::flush;
        return 0;
    }
    std::ostringstream out;
    out << "Matching identities\n";
    for (std::size_t i = 0; i < certs.size(); ++i)
        out << i + 1 << ") " << sha1_hex(certs[i].certificate.get()) << " \""
            << subject_line(certs[i].certificate.get()) << "\"\n\tURI: " << certs[i].uri << "\n";
    ERR_clear_error();
    std::cout << out.str() << std::flush;
    return 0;
}

int read_certificate_data(const std::vector<std::string> &args) {
    if (help_asked(args)) {
        std::cout << "usage: aws_signing_helper read-certificate-data --certificate FILE\n\n"
                     "Prints the certificate's data as JSON: keyType (RSA or EC), certificateData\n"
                     "(base64 DER), serialNumber (decimal), supportedAlgorithms. A pkcs11: URI\n"
                     "lists the certificates it matches instead, as aws_signing_helper does\n"
                     "(\"Matching identities\", then each one's SHA-1 fingerprint, subject and URI).\n\n"
                     "  --certificate FILE  PEM (first CERTIFICATE block), DER, or a PKCS#12 bundle\n"
                     "                      with an empty password (its end-entity certificate),\n"
                     "                      or a PKCS#11 URI (pkcs11:object=...?pin-value=...)\n"
                     "  --pkcs11-lib PATH   PKCS#11 module (default: p11-kit-proxy.so)\n"
                     "  --debug             accepted, no effect\n\n"
                     "A TPM 2.0 holds keys, not certificates: give a TPM key's certificate as a file.\n"
                  << kStoreNote;
        return 0;
    }
    FlagSpec spec;
    spec.values = {"certificate", "cert-selector", "system-store-name", "pkcs11-lib"};
    spec.switches = {"debug", "reuse-pin"};
    auto flags = parse_flags(args, spec, "read-certificate-data");
    if (!flags.error.empty()) return fail(flags.error);
    if (auto refused = unsupported_flag(flags)) return fail(*refused);
    const auto certificate = flags.values["certificate"];
    if (certificate.empty())
        return fail(
            "read-certificate-data needs --certificate FILE (PEM, DER or PKCS#12); certificate stores "
            "do not exist on Linux");
    if (is_pkcs11_uri(certificate)) {
        auto certs = pkcs11_certificates(certificate, pkcs11_options(flags));
        if (!certs) return fail(certs.error().message);
        return list_identities(*certs);
    }
    auto bytes = read_whole_file(certificate, "--certificate");
    if (!bytes) return fail(bytes.error().message);
    auto file = read_certificate_file(*bytes, "--certificate " + certificate);
    wipe_secret(*bytes);
    if (!file) return fail(file.error().message);
    const CertPtr found = std::move(file->certificate);
    const X509 *cert = found.get();
    std::string key_type;
    switch (EVP_PKEY_get_base_id(X509_get0_pubkey(cert))) {
    case EVP_PKEY_RSA:
        key_type = "RSA";
        break;
    case EVP_PKEY_EC:
        key_type = "EC";
        break;
    default:
        break;
    }
    ERR_clear_error();
    nlohmann::ordered_json out;
    out["keyType"] = key_type;
    out["certificateData"] = der_base64(cert);
    out["serialNumber"] = serial_decimal(cert);
    out["supportedAlgorithms"] = {key_type + "SHA256", key_type + "SHA384", key_type + "SHA512"};
    std::cout << out.dump() << std::flush;
    return 0;
}

// ---- sign-string ----

// "AWS Roles Anywhere Credential Helper Signing Test" || "1" ||
// SHA-256("IAM RA" || public key), the public key as PKCS#1 (RSA) or an
// uncompressed point (EC): the string the helper signs.
Result<std::string> fixed_string_to_sign(const EVP_PKEY *public_key) {
    // A copy of the public half in the default provider (a TPM key's own
    // provider may not encode it), uncompressed for EC.
    unsigned char *spki = nullptr;
    const int spki_length = i2d_PUBKEY(public_key, &spki);
    const unsigned char *cursor = spki;
    KeyPtr key(spki_length > 0 ? d2i_PUBKEY(nullptr, &cursor, spki_length) : nullptr);
    OPENSSL_free(spki);
    if (!key) {
        ERR_clear_error();
        return pullcred::sdk::Error::failed("sign-string: cannot encode the key's public half");
    }
    if (EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_EC)
        (void)EVP_PKEY_set_utf8_string_param(key.get(), OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                             "uncompressed");
    unsigned char *encoded = nullptr;
    const int length = i2d_PublicKey(key.get(), &encoded);
    if (length <= 0) {
        ERR_clear_error();
        return pullcred::sdk::Error::failed("sign-string: cannot encode the key's public half");
    }
    std::string input = "IAM RA";
    input.append(reinterpret_cast<const char *>(encoded), static_cast<std::size_t>(length)); // NOLINT
    OPENSSL_free(encoded);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_length = 0;
    if (EVP_Digest(input.data(), input.size(), digest, &digest_length, EVP_sha256(), nullptr) != 1) {
        ERR_clear_error();
        return pullcred::sdk::Error::failed("sign-string: cannot hash the key's public half");
    }
    return std::string("AWS Roles Anywhere Credential Helper Signing Test") + "1" +
           std::string(reinterpret_cast<const char *>(digest), digest_length); // NOLINT
}

// The key: --private-key, else the --certificate file (a PKCS#12 bundle, or
// a PEM file holding the key too), as the helper chooses; a PKCS#11 URI,
// a TPM handle or a TSS2 key file signs in its hardware.
Result<SigningMaterial> signing_key(ParsedFlags &flags) {
    const auto private_key_path = flags.values["private-key"];
    const auto certificate = flags.values["certificate"];
    const std::string path = private_key_path.empty() ? certificate : private_key_path;
    const std::string flag = private_key_path.empty() ? "--certificate" : "--private-key";
    if (path.empty())
        return pullcred::sdk::Error::failed(
            "sign-string needs --private-key FILE (or --certificate with a PKCS#12 "
            "bundle or a PEM file holding "
            "the key)");
    SigningMaterial out;
    if (is_pkcs11_uri(path)) {
        // The certificate: --certificate (a file or a URI), else the one beside the key.
        CertPtr file_cert;
        std::string cert_uri = is_pkcs11_uri(certificate) ? certificate : std::string();
        if (!certificate.empty() && cert_uri.empty()) {
            auto bytes = read_whole_file(certificate, "--certificate");
            if (!bytes) return bytes.error();
            auto file = read_certificate_file(*bytes, "--certificate " + certificate);
            if (!file) return file.error();
            file_cert = std::move(file->certificate);
        } else if (cert_uri.empty()) {
            cert_uri = path;
        }
        auto found = pkcs11_material(cert_uri, file_cert.get(), private_key_path, pkcs11_options(flags));
        if (!found) return found.error();
        out.certificate = std::move(found->certificate);
        out.external = std::move(found->key);
        out.kind = found->kind;
        return out;
    }
    TpmKeyOptions tpm;
    if (const auto it = flags.values.find("tpm-key-password"); it != flags.values.end())
        tpm.password = it->second;
    tpm.no_password = flags.switches.count("no-tpm-key-password") != 0U;
    struct Wipe {
        std::optional<std::string> &secret;
        ~Wipe() {
            if (secret) wipe_secret(*secret);
        }
    } wipe_tpm{tpm.password};
    if (is_tpm_handle(path)) {
        auto key = tpm_private_key(path, "", tpm, flag + " " + path);
        if (!key) return key.error();
        out.key = std::move(*key);
        return out;
    }
    auto bytes = read_whole_file(path, flag);
    if (!bytes) return bytes.error();
    std::optional<std::string> password;
    if (const auto it = flags.values.find("pkcs8-password"); it != flags.values.end()) password = it->second;
    Result<KeyPtr> key = pullcred::sdk::Error::failed("no key");
    if (is_tss2_key_file(*bytes)) {
        key = tpm_private_key(path, *bytes, tpm, flag + " " + path);
    } else if (bytes->find("-----BEGIN ") == std::string::npos) {
        auto file = read_certificate_file(*bytes, flag + " " + path);
        if (!file) {
            key = file.error();
        } else if (!file->key) {
            key = pullcred::sdk::Error::failed(
                flag + " " + path + " is a certificate without a key: give the key with --private-key FILE");
        } else {
            key = std::move(file->key);
        }
    } else {
        key = private_key(*bytes, flag + " " + path, password);
    }
    wipe_secret(*bytes);
    if (password) wipe_secret(*password);
    if (!key) return key.error();
    out.key = std::move(*key);
    return out;
}

int sign_string(const std::vector<std::string> &args) {
    if (help_asked(args)) {
        std::cout
            << "usage: aws_signing_helper sign-string --private-key FILE [--digest SHA256|SHA384|SHA512]\n"
               "                                      [--format json|text|bin] [--stdin]\n\n"
               "Signs, as aws_signing_helper does, the fixed test string \"AWS Roles Anywhere\n"
               "Credential Helper Signing Test\" || \"1\" || SHA256(\"IAM RA\" || public key);\n"
               "with --stdin (pullcred only), what stdin holds instead. RSA: PKCS#1 v1.5,\n"
               "EC: ECDSA (DER). Output: the signature as a JSON string of hex (json, the\n"
               "default), hex (text) or raw bytes (bin), without a newline.\n\n"
               "  --private-key FILE     PEM key (PKCS#8, SEC1 EC, PKCS#1 RSA, encrypted PKCS#8),\n"
               "                         a TPM 2.0 TSS2 key file, a TPM handle (handle:0x81000001)\n"
               "                         or a PKCS#11 URI (pkcs11:object=...?pin-value=...)\n"
               "  --certificate FILE     without --private-key: a PKCS#12 bundle (empty password)\n"
               "                         or a PEM file holding the key; with a PKCS#11 key, the\n"
               "                         certificate it must match (a file or a pkcs11: URI)\n"
               "  --pkcs8-password PASS  password of an encrypted PKCS#8 key\n"
               "  --pkcs11-lib PATH      PKCS#11 module (default: p11-kit-proxy.so)\n"
               "  --reuse-pin            use the user PIN as a key's context-specific PIN\n"
               "  --tpm-key-password P   password of the TPM key\n"
               "  --no-tpm-key-password  the TPM key (handle:) has no password\n"
               "  --digest NAME          SHA256 (default), SHA384 or SHA512\n"
               "  --format NAME          json (default), text or bin\n"
               "  --stdin                sign stdin instead of the fixed string\n"
               "  --debug                accepted, no effect\n\n"
            << kStoreNote;
        return 0;
    }
    FlagSpec spec;
    spec.values = {"certificate",
                   "private-key",
                   "cert-selector",
                   "system-store-name",
                   "system-store-location",
                   "pkcs11-lib",
                   "tpm-key-password",
                   "format",
                   "digest",
                   "pkcs8-password"};
    spec.switches = {"debug", "use-latest-expiring-certificate", "reuse-pin", "no-tpm-key-password", "stdin"};
    auto flags = parse_flags(args, spec, "sign-string");
    if (!flags.error.empty()) return fail(flags.error);
    if (auto refused = unsupported_flag(flags)) return fail(*refused);
    const std::string format = flags.values.count("format") != 0U ? flags.values["format"] : "json";
    const std::string digest = flags.values.count("digest") != 0U ? flags.values["digest"] : "SHA256";
    if (format != "json" && format != "text" && format != "bin")
        return fail("sign-string: --format must be json, text or bin");
    if (digest != "SHA256" && digest != "SHA384" && digest != "SHA512")
        return fail("sign-string: --digest must be SHA256, SHA384 or SHA512");
    auto material = signing_key(flags);
    if (!material) return fail(material.error().message);
    if (!material->external) {
        auto kind = key_kind(material->key.get(), "sign-string: the key");
        if (!kind) return fail(kind.error().message);
    }
    Result<std::string> data = pullcred::sdk::Error::failed("no data");
    if (flags.switches.count("stdin") != 0U)
        data = std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    else
        data = fixed_string_to_sign(material->external ? X509_get0_pubkey(material->certificate.get())
                                                       : material->key.get());
    if (!data) return fail(data.error().message);
    auto signature = sign_with(*material, *data, digest);
    if (!signature) return fail(signature.error().message);
    if (format == "bin") {
        std::cout.write(signature->data(), static_cast<std::streamsize>(signature->size()));
    } else {
        const auto hex =
            pullcred::aws::to_hex(std::vector<unsigned char>(signature->begin(), signature->end()));
        std::cout << (format == "json" ? nlohmann::json(hex).dump() : hex);
    }
    std::cout << std::flush;
    return 0;
}

} // namespace
} // namespace pullcred_ra

int main(int argc, char **argv) {
    std::ios::sync_with_stdio(false);
    const std::string command = argc > 1 ? argv[1] : "";
    const std::vector<std::string> args(argv + (argc > 1 ? 2 : argc), argv + argc);
    try {
        if (command == "read-certificate-data") return pullcred_ra::read_certificate_data(args);
        if (command == "sign-string") return pullcred_ra::sign_string(args);
    } catch (const std::exception &e) {
        return pullcred_ra::fail(std::string("internal error: ") + e.what());
    }
    return pullcred_ra::fail(
        "pullcred-signing-helper runs read-certificate-data or sign-string; use it through "
        "`pullcred signing-helper COMMAND`");
}
