// aws.roles-anywhere: temporary AWS credentials from IAM Roles Anywhere
// CreateSession, signed with an X.509 certificate and its private key (for
// instance the kubelet's own client certificate), as `aws_signing_helper
// credential-process` does.
//
// Key and certificate files are read again on every fetch, so a rotated
// kubelet certificate is picked up at once. Before calling AWS the source
// checks what it can: files readable, key and certificate belonging
// together, certificate valid now (host clock), ARNs agreeing on region,
// key algorithm supported. HTTP goes through the host's client; by default
// proxies are ignored (as aws_signing_helper does) unless `withProxy`.
#include <cstdlib>
#include <optional>
#include <pullcred/module.hpp>
#include <string>
#include <utility>
#include <vector>

#include "aws/endpoints/endpoint.hpp"
#include "aws/profile/environment.hpp"
#include "aws/sigv4/uri_encode.hpp"
#include "create_session.hpp"
#include "pkcs11_key.hpp"
#include "pkcs11_uri.hpp"
#include "tpm_key.hpp"
#include "x509_material.hpp"

#ifndef MODULE_VERSION
#define MODULE_VERSION "0.0.0"
#endif

namespace pullcred_ra {
namespace {

using pullcred::sdk::Config;
using pullcred::sdk::ConfigError;
using pullcred::sdk::Credentials;
using pullcred::sdk::CredentialsRequest;
using pullcred::sdk::Error;
using pullcred::sdk::Host;
using pullcred::sdk::HttpRequest;
using pullcred::sdk::Result;

constexpr const char *kSchema = R"({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "aws.roles-anywhere: IAM Roles Anywhere with an X.509 certificate",
  "type": "object",
  "additionalProperties": false,
  "required": ["certificate", "trustAnchorArn", "profileArn", "roleArn"],
  "properties": {
    "certificate": {"description": "PEM file whose first CERTIFICATE block is the leaf (the kubelet's combined file works), a DER certificate, a PKCS#12 bundle with an empty password holding the key and chain too, or a PKCS#11 URI (pkcs11:token=...;object=...?pin-value=...) of a certificate in a token (its key is then found beside it unless privateKey names it).", "type": "string", "minLength": 1},
    "privateKey": {"description": "PEM file holding the private key: PKCS#8, SEC1 EC, PKCS#1 RSA or encrypted PKCS#8, or a TPM 2.0 TSS2 key file; may be the certificate's file. Or a PKCS#11 URI of the key in a token, or a TPM persistent handle (handle:0x81000001). Required unless certificate is a PKCS#12 bundle or a PKCS#11 URI.", "type": "string", "minLength": 1},
    "pkcs11Lib": {"description": "PKCS#11 module for pkcs11: URIs (default: p11-kit's proxy, p11-kit-proxy.so).", "type": "string", "minLength": 1},
    "reusePin": {"description": "Use the token's user PIN as the context-specific PIN of a key with CKA_ALWAYS_AUTHENTICATE (aws_signing_helper --reuse-pin).", "type": "boolean"},
    "tpmKeyPassword": {"description": "Password of the TPM key (aws_signing_helper --tpm-key-password, as in a credential_process line); prefer tpmKeyPasswordFile.", "type": "string", "minLength": 1},
    "tpmKeyPasswordFile": {"description": "File holding the password of the TPM key.", "type": "string", "minLength": 1},
    "tpmKeyPasswordEnv": {"description": "Environment variable holding the password of the TPM key.", "type": "string", "minLength": 1},
    "noTpmKeyPassword": {"description": "The TPM key behind a handle: has no password (aws_signing_helper --no-tpm-key-password).", "type": "boolean"},
    "privateKeyPassword": {"description": "Password of an encrypted PKCS#8 key (aws_signing_helper --pkcs8-password, as in a credential_process line); prefer privateKeyPasswordFile.", "type": "string", "minLength": 1},
    "intermediates": {"description": "PEM bundle of intermediate CA certificates, sent as X-Amz-X509-Chain.", "type": "string", "minLength": 1},
    "trustAnchorArn": {"description": "arn:aws:rolesanywhere:REGION:ACCOUNT:trust-anchor/ID", "type": "string", "pattern": "^arn:[a-z0-9-]+:rolesanywhere:[a-z0-9-]+:[0-9]{12}:trust-anchor/.+$"},
    "profileArn": {"description": "arn:aws:rolesanywhere:REGION:ACCOUNT:profile/ID", "type": "string", "pattern": "^arn:[a-z0-9-]+:rolesanywhere:[a-z0-9-]+:[0-9]{12}:profile/.+$"},
    "roleArn": {"description": "arn:aws:iam::ACCOUNT:role/NAME", "type": "string", "pattern": "^arn:[a-z0-9-]+:iam::[0-9]{12}:role/.+$"},
    "region": {"description": "Region of the Roles Anywhere endpoint (default: the trust anchor's).", "type": "string", "pattern": "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"},
    "sessionDuration": {"description": "Seconds the credentials last (900..43200, default 3600).", "type": "integer", "minimum": 900, "maximum": 43200},
    "roleSessionName": {"description": "Role session name (default: chosen by AWS).", "type": "string", "pattern": "^[\\w+=,.@-]{2,64}$"},
    "endpoint": {"description": "Roles Anywhere endpoint URL, overriding AWS_ENDPOINT_URL_ROLESANYWHERE / AWS_ENDPOINT_URL.", "type": "string", "minLength": 1},
    "privateKeyPasswordFile": {"description": "File holding the password of an encrypted PKCS#8 key.", "type": "string", "minLength": 1},
    "privateKeyPasswordEnv": {"description": "Environment variable holding the password of an encrypted PKCS#8 key.", "type": "string", "minLength": 1},
    "noVerifySsl": {"description": "Do not verify the endpoint's TLS certificate (testing only).", "type": "boolean"},
    "withProxy": {"description": "Use HTTPS_PROXY / NO_PROXY like other AWS calls (default: connect directly, as aws_signing_helper does).", "type": "boolean"}
  }
})";

constexpr const char *kKnownKeys[] = {"certificate",
                                      "privateKey",
                                      "intermediates",
                                      "trustAnchorArn",
                                      "profileArn",
                                      "roleArn",
                                      "region",
                                      "sessionDuration",
                                      "roleSessionName",
                                      "endpoint",
                                      "privateKeyPasswordFile",
                                      "privateKeyPasswordEnv",
                                      "noVerifySsl",
                                      "withProxy",
                                      "pkcs11Lib",
                                      "reusePin",
                                      "tpmKeyPassword",
                                      "tpmKeyPasswordFile",
                                      "tpmKeyPasswordEnv",
                                      "noTpmKeyPassword",
                                      "privateKeyPassword"};

std::string string_setting(const Config &config, const char *key, bool required = false) {
    const auto it = config.find(key);
    if (it == config.end()) {
        if (required) throw ConfigError(std::string(key) + " is required");
        return {};
    }
    if (!it->is_string() || it->get_ref<const std::string &>().empty())
        throw ConfigError(std::string(key) + " must be a non-empty string");
    return it->get<std::string>();
}

bool bool_setting(const Config &config, const char *key) {
    const auto it = config.find(key);
    if (it == config.end()) return false;
    if (!it->is_boolean()) throw ConfigError(std::string(key) + " must be true or false");
    return it->get<bool>();
}

bool valid_session_name(const std::string &name) {
    if (name.size() < 2 || name.size() > 64) return false;
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        std::string_view("_+=,.@-").find(c) != std::string_view::npos;
        if (!ok) return false;
    }
    return true;
}

Arn rolesanywhere_arn(const std::string &text, const char *key, std::string_view resource) {
    auto arn = parse_arn(text);
    if (!arn || arn->service != "rolesanywhere" || arn->region.empty() || arn->account.empty() ||
        arn->resource.rfind(std::string(resource) + "/", 0) != 0)
        throw ConfigError(std::string(key) + " \"" + text + "\" is not a Roles Anywhere " +
                          std::string(resource) +
                          " ARN (arn:aws:rolesanywhere:REGION:ACCOUNT:" + std::string(resource) + "/ID)");
    if (!pullcred::aws::is_valid_region(arn->region))
        throw ConfigError(std::string(key) + " \"" + text + "\" names an invalid region");
    return *arn;
}

std::string strip_line_end(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
}

// One password setting: the value itself, a file or an environment variable (one at most).
struct PasswordSetting {
    std::string literal;
    std::string file;
    std::string env;
    const char *file_key = "";
    const char *env_key = "";
    [[nodiscard]] bool given() const { return !literal.empty() || !file.empty() || !env.empty(); }
};

PasswordSetting password_setting(const Config &config, const char *literal_key, const char *file_key,
                                 const char *env_key) {
    PasswordSetting out;
    out.literal = string_setting(config, literal_key);
    out.file = string_setting(config, file_key);
    out.env = string_setting(config, env_key);
    out.file_key = file_key;
    out.env_key = env_key;
    if (static_cast<int>(!out.literal.empty()) + static_cast<int>(!out.file.empty()) +
            static_cast<int>(!out.env.empty()) >
        1)
        throw ConfigError(std::string("set one of ") + literal_key + ", " + file_key + " and " + env_key);
    return out;
}

class RolesAnywhereSource final : public pullcred::sdk::CredentialSource {
public:
    RolesAnywhereSource(Host host, const Config &config) : host_(host) {
        if (!config.is_object()) throw ConfigError("the profile's settings must be an object");
        for (const auto &[key, value] : config.items()) {
            bool known = false;
            for (const char *name : kKnownKeys) known = known || key == name;
            if (!known)
                throw ConfigError(
                    "unknown key " + key +
                    " (aws.roles-anywhere knows certificate, privateKey, intermediates, "
                    "trustAnchorArn, profileArn, roleArn, region, sessionDuration, roleSessionName, "
                    "endpoint, privateKeyPasswordFile, privateKeyPasswordEnv, privateKeyPassword, "
                    "noVerifySsl, withProxy, pkcs11Lib, reusePin, tpmKeyPassword, tpmKeyPasswordFile, "
                    "tpmKeyPasswordEnv, noTpmKeyPassword)");
        }
        certificate_ = string_setting(config, "certificate", true);
        private_key_ = string_setting(config, "privateKey");
        check_key_locations();
        intermediates_ = string_setting(config, "intermediates");
        trust_anchor_arn_ = string_setting(config, "trustAnchorArn", true);
        profile_arn_ = string_setting(config, "profileArn", true);
        role_arn_ = string_setting(config, "roleArn", true);
        const auto anchor = rolesanywhere_arn(trust_anchor_arn_, "trustAnchorArn", "trust-anchor");
        const auto profile = rolesanywhere_arn(profile_arn_, "profileArn", "profile");
        const auto role = parse_arn(role_arn_);
        if (!role || role->service != "iam" || role->account.empty() || role->resource.rfind("role/", 0) != 0)
            throw ConfigError("roleArn \"" + role_arn_ +
                              "\" is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)");
        role_account_ = role->account;
        if (anchor.region != profile.region)
            throw ConfigError("trustAnchorArn is in " + anchor.region + " but profileArn is in " +
                              profile.region +
                              ": a Roles Anywhere profile must be in its trust anchor's region");
        if (anchor.account != profile.account)
            throw ConfigError("trustAnchorArn is in account " + anchor.account + " but profileArn in " +
                              profile.account + ": both must belong to the same account");
        if (anchor.partition != profile.partition || anchor.partition != role->partition)
            throw ConfigError("trustAnchorArn, profileArn and roleArn must be in the same partition (" +
                              anchor.partition + ", " + profile.partition + ", " + role->partition + ")");
        region_ = string_setting(config, "region");
        if (region_.empty()) {
            region_ = anchor.region;
        } else {
            if (!pullcred::aws::is_valid_region(region_))
                throw ConfigError("region must look like us-west-2 (lower-case letters, digits and '-')");
            if (region_ != anchor.region)
                throw ConfigError("region " + region_ + " disagrees with trustAnchorArn's region " +
                                  anchor.region +
                                  ": Roles Anywhere only finds a trust anchor in its own region");
        }
        if (const auto it = config.find("sessionDuration"); it != config.end()) {
            if (!it->is_number_integer() || it->get<long long>() < 900 || it->get<long long>() > 43200)
                throw ConfigError("sessionDuration must be a whole number of seconds from 900 to 43200");
            duration_ = static_cast<int>(it->get<long long>());
        }
        role_session_name_ = string_setting(config, "roleSessionName");
        if (!role_session_name_.empty() && !valid_session_name(role_session_name_))
            throw ConfigError("roleSessionName must be 2 to 64 of letters, digits and _+=,.@-");
        endpoint_ = string_setting(config, "endpoint");
        if (!endpoint_.empty()) {
            auto parsed = pullcred::aws::parse_endpoint_url(endpoint_, "endpoint");
            if (!parsed) throw ConfigError(parsed.error().message);
        }
        pkcs8_password_ =
            password_setting(config, "privateKeyPassword", "privateKeyPasswordFile", "privateKeyPasswordEnv");
        tpm_password_ = password_setting(config, "tpmKeyPassword", "tpmKeyPasswordFile", "tpmKeyPasswordEnv");
        pkcs11_.library = string_setting(config, "pkcs11Lib");
        pkcs11_.reuse_pin = bool_setting(config, "reusePin");
        no_tpm_password_ = bool_setting(config, "noTpmKeyPassword");
        if (no_tpm_password_ && tpm_password_.given())
            throw ConfigError("noTpmKeyPassword contradicts a TPM key password: set one of them");
        no_verify_ssl_ = bool_setting(config, "noVerifySsl");
        with_proxy_ = bool_setting(config, "withProxy");
    }

    ~RolesAnywhereSource() override {
        wipe_secret(pkcs8_password_.literal);
        wipe_secret(tpm_password_.literal);
    }
    RolesAnywhereSource(const RolesAnywhereSource &) = delete;
    RolesAnywhereSource &operator=(const RolesAnywhereSource &) = delete;

    Result<std::string> describe(const CredentialsRequest & /*request*/) override {
        return "IAM Roles Anywhere CreateSession with the certificate " + shown_key_location(certificate_) +
               (is_pkcs11_uri(private_key_) || is_tpm_handle(private_key_)
                    ? " and the key " + shown_key_location(private_key_)
                    : std::string()) +
               ", role " + role_arn_ + " (trust anchor " + trust_anchor_arn_ + ")";
    }

    Result<Credentials> get_credentials(const CredentialsRequest & /*request*/) override {
        const std::int64_t now = host_.now_unix_ms() / 1000;
        auto material = load_material(now);
        if (!material.ok()) return material.error();
        const auto &signer = material.value();

        pullcred::aws::EndpointOptions options;
        options.env = pullcred::aws::host_env(host_);
        if (!endpoint_.empty()) options.endpoint_url = endpoint_;
        auto endpoint = pullcred::aws::resolve_endpoint("rolesanywhere", region_, options);
        if (!endpoint)
            return Error::failed("Roles Anywhere endpoint for " + region_ + ": " + endpoint.error().message);
        const std::string prefix = "Roles Anywhere CreateSession at " + endpoint->url + " (trust anchor " +
                                   trust_anchor_arn_ + ", certificate serial " +
                                   serial_decimal(signer.certificate.get()) + "): ";

        pullcred::aws::HttpRequestToSign request;
        request.method = "POST";
        request.url = endpoint->url + "/sessions?" +
                      pullcred::aws::encode_query({{"profileArn", profile_arn_},
                                                   {"roleArn", role_arn_},
                                                   {"trustAnchorArn", trust_anchor_arn_}});
        request.body = session_body(duration_, role_session_name_);
        request.headers = {{"Content-Type", "application/json"},
                           {"Host", endpoint->authority()},
                           {"X-Amz-X509", der_base64(signer.certificate.get())}};
        std::vector<std::string> signed_headers = {"content-type", "host", "x-amz-date", "x-amz-x509"};
        if (!signer.intermediates.empty()) {
            std::string chain;
            for (const auto &cert : signer.intermediates) {
                if (!chain.empty()) chain += ",";
                chain += der_base64(cert.get());
            }
            request.headers.emplace_back("X-Amz-X509-Chain", chain);
            signed_headers.emplace_back("x-amz-x509-chain");
        }
        auto signature = sign_request(request, signer, endpoint->signing_region, now, signed_headers);
        if (!signature)
            return Error::failed(prefix + "cannot sign the request: " + signature.error().message);

        HttpRequest call;
        call.method = request.method;
        call.url = request.url;
        call.body = request.body;
        call.headers = request.headers;
        for (auto &header : *signature) call.headers.push_back(std::move(header));
        if (no_verify_ssl_) call.flags |= PULLCRED_HTTP_INSECURE_SKIP_VERIFY;
        if (!with_proxy_) call.flags |= PULLCRED_HTTP_IGNORE_PROXY;

        host_.debug("CreateSession: " + endpoint->url + " (" + endpoint->source + "), region " +
                    endpoint->signing_region + ", " + std::string(algorithm_of(signer.kind)) +
                    ", certificate " + subject_text(signer.certificate.get()) + " serial " +
                    serial_decimal(signer.certificate.get()) +
                    (signer.intermediates.empty()
                         ? std::string()
                         : ", " + std::to_string(signer.intermediates.size()) + " intermediate(s)") +
                    ", role " + role_arn_ + ", " + std::to_string(duration_) + " s");
        auto response = host_.http(call);
        if (!response.ok()) return response.error().with_message(prefix + response.error().message);
        const auto &reply = response.value();
        auto parsed = parse_session_reply(reply.status, reply.header("X-Amzn-ErrorType"), reply.body);
        if (!parsed.credentials)
            return parsed.error.kind == ReplyFailure::retryable
                       ? Error::retryable(prefix + parsed.error.message)
                       : Error::failed(prefix + parsed.error.message);
        auto &issued = *parsed.credentials;
        if (issued.expires_unix <= now)
            return Error::failed(prefix + "the credentials it issued expired at " + issued.expiration +
                                 ", before now (" + format_rfc3339(now) + "): check the node's clock (NTP)");
        Credentials out;
        out.fields[PULLCRED_FIELD_ACCESS_KEY_ID] = std::move(issued.access_key_id);
        out.fields[PULLCRED_FIELD_SECRET_ACCESS_KEY] = std::move(issued.secret_access_key);
        out.fields[PULLCRED_FIELD_SESSION_TOKEN] = std::move(issued.session_token);
        out.fields[PULLCRED_FIELD_REGION] = endpoint->signing_region;
        out.fields[PULLCRED_FIELD_ACCOUNT_ID] = role_account_;
        out.fields["expiration"] = issued.expiration;
        out.expires_unix = issued.expires_unix;
        host_.debug("CreateSession: credentials for " + role_arn_ + " until " + issued.expiration);
        return out;
    }

private:
    // PKCS#11 URIs and TPM handles checked when the config is read; they
    // are never quoted whole (a URI may carry its PIN).
    void check_key_locations() const {
        if (is_pkcs11_uri(certificate_)) {
            if (auto uri = parse_pkcs11_uri(certificate_, "certificate"); !uri)
                throw ConfigError(uri.error().message);
            if (!private_key_.empty() && !is_pkcs11_uri(private_key_))
                throw ConfigError(
                    "certificate is a PKCS#11 URI, so its key must be in a token too: give privateKey "
                    "as a pkcs11: URI, or leave it out to find the key beside the certificate");
        }
        if (is_tpm_handle(certificate_))
            throw ConfigError("certificate cannot be a TPM handle (a TPM holds the key only): give the "
                              "certificate's file, and the handle as privateKey");
        if (is_pkcs11_uri(private_key_))
            if (auto uri = parse_pkcs11_uri(private_key_, "privateKey"); !uri)
                throw ConfigError(uri.error().message);
        if (is_tpm_handle(private_key_))
            if (auto handle = parse_tpm_handle(private_key_, "privateKey"); !handle)
                throw ConfigError(handle.error().message);
    }

    // A key, certificate or password file, through the host; errors name `what` and the path.
    [[nodiscard]] pullcred::sdk::Result<std::string> read_file(const std::string &path,
                                                               std::string_view what) const {
        auto read = host_.read_file(path);
        if (!read.ok()) return pullcred::sdk::Error::failed(std::string(what) + ": " + read.error().message);
        if (!read.value())
            return pullcred::sdk::Error::failed(std::string(what) + " " + path +
                                                ": cannot read it: no such file");
        return std::move(*read.value());
    }

    // A password given literally, in a file or in an environment variable
    // (whose settings are named in errors).
    Result<std::optional<std::string>> password(const PasswordSetting &setting) const {
        if (!setting.literal.empty()) return std::optional<std::string>(setting.literal);
        if (!setting.file.empty()) {
            auto text = read_file(setting.file, setting.file_key);
            if (!text) return Error::failed(text.error().message);
            return std::optional<std::string>(strip_line_end(std::move(*text)));
        }
        if (!setting.env.empty()) {
            auto value = host_.env(setting.env);
            if (!value)
                return Error::failed(std::string(setting.env_key) + ": environment variable " + setting.env +
                                     " is not set");
            return value;
        }
        return std::optional<std::string>();
    }

    // The certificate and key of a PKCS#11 token (the certificate in it, or `file_certificate`).
    Result<bool> load_pkcs11(SigningMaterial &material, const X509 *file_certificate) const {
        const bool cert_in_token = is_pkcs11_uri(certificate_);
        auto found = pkcs11_material(cert_in_token ? certificate_ : std::string(), file_certificate,
                                     is_pkcs11_uri(private_key_) ? private_key_ : std::string(), pkcs11_);
        if (!found) return Error::failed(found.error().message);
        material.certificate = std::move(found->certificate);
        material.intermediates = std::move(found->chain); // replaced by intermediates when that is set
        material.external = std::move(found->key);
        material.kind = found->kind;
        return true;
    }

    Result<SigningMaterial> load_material(std::int64_t now) const {
        SigningMaterial material;
        const std::string key_origin = "privateKey " + shown_key_location(private_key_);
        if (is_pkcs11_uri(certificate_)) {
            auto loaded = load_pkcs11(material, nullptr);
            if (!loaded.ok()) return loaded.error();
            return check_material(
                std::move(material),
                "privateKey " + shown_key_location(private_key_.empty() ? certificate_ : private_key_), now);
        }
        auto cert_text = read_file(certificate_, "certificate");
        if (!cert_text) return Error::failed(cert_text.error().message);
        auto file = read_certificate_file(*cert_text, "certificate " + certificate_);
        wipe_secret(*cert_text);
        if (!file) return Error::failed(file.error().message);
        material.certificate = std::move(file->certificate);
        if (file->pkcs12) {
            if (!private_key_.empty())
                return Error::failed("certificate " + certificate_ +
                                     " is a PKCS#12 bundle holding its own key: remove privateKey");
            if (!intermediates_.empty())
                return Error::failed("certificate " + certificate_ +
                                     " is a PKCS#12 bundle holding its own chain: remove intermediates");
            material.key = std::move(file->key);
            material.intermediates = std::move(file->chain);
            return check_material(std::move(material), "certificate " + certificate_, now);
        }
        if (private_key_.empty())
            return Error::failed("certificate " + certificate_ +
                                 " holds no key (not a PKCS#12 bundle): set privateKey "
                                 "(credential-process: --private-key)");
        if (is_pkcs11_uri(private_key_)) {
            const CertPtr certificate = std::move(material.certificate);
            auto loaded = load_pkcs11(material, certificate.get());
            if (!loaded.ok()) return loaded.error();
            return check_material(std::move(material), key_origin, now);
        }
        auto tpm_secret = password(tpm_password_);
        if (!tpm_secret.ok()) return tpm_secret.error();
        TpmKeyOptions tpm;
        tpm.password = std::move(tpm_secret.value());
        tpm.no_password = no_tpm_password_;
        struct Wipe {
            std::optional<std::string> &secret;
            ~Wipe() {
                if (secret) wipe_secret(*secret);
            }
        } wipe_tpm{tpm.password};
        if (is_tpm_handle(private_key_)) {
            auto key = tpm_private_key(private_key_, "", tpm, key_origin);
            if (!key) return Error::failed(key.error().message);
            material.key = std::move(*key);
        } else {
            auto key_text = read_file(private_key_, "privateKey");
            if (!key_text) return Error::failed(key_text.error().message);
            if (is_tss2_key_file(*key_text)) {
                auto key = tpm_private_key(private_key_, *key_text, tpm, key_origin);
                wipe_secret(*key_text);
                if (!key) return Error::failed(key.error().message);
                material.key = std::move(*key);
            } else {
                auto secret = password(pkcs8_password_);
                if (!secret.ok()) return secret.error();
                auto key = private_key(*key_text, key_origin, secret.value());
                wipe_secret(*key_text);
                if (secret.value()) wipe_secret(*secret.value());
                if (!key) return Error::failed(key.error().message);
                material.key = std::move(*key);
            }
        }
        return check_material(std::move(material), key_origin, now);
    }

    // The key's kind, key and certificate belonging together, the
    // certificate valid now, and the intermediates read.
    Result<SigningMaterial> check_material(SigningMaterial material, const std::string &key_origin,
                                           std::int64_t now) const {
        if (!material.external) {
            auto kind = key_kind(material.key.get(), key_origin);
            if (!kind) return Error::failed(kind.error().message);
            material.kind = *kind;
        }

        const std::string subject = subject_text(material.certificate.get());
        const std::string described = "certificate " + shown_key_location(certificate_) + " (" + subject +
                                      ", serial " + serial_decimal(material.certificate.get()) + ")";
        if (!material.external && !key_matches_certificate(material.certificate.get(), material.key.get()))
            return Error::failed(key_origin + " does not belong to " + described +
                                 ": their public keys differ; point privateKey at the key of this "
                                 "certificate (after a rotation, both files must come from the same pair)");
        auto not_before = not_before_unix(material.certificate.get());
        auto not_after = not_after_unix(material.certificate.get());
        if (!not_before) return Error::failed(described + ": " + not_before.error().message);
        if (!not_after) return Error::failed(described + ": " + not_after.error().message);
        if (now < *not_before)
            return Error::failed(described + " is not valid yet: valid from " + format_rfc3339(*not_before) +
                                 ", now is " + format_rfc3339(now) + "; check the node's clock (NTP)");
        if (now > *not_after)
            return Error::failed(described + " expired at " + format_rfc3339(*not_after) + " (now " +
                                 format_rfc3339(now) +
                                 "); renew it (kubelet rotates its client certificate when "
                                 "rotateCertificates is on)");

        if (!intermediates_.empty()) {
            auto bundle = read_file(intermediates_, "intermediates");
            if (!bundle) return Error::failed(bundle.error().message);
            auto chain = all_certificates(*bundle, "intermediates " + intermediates_);
            if (!chain) return Error::failed(chain.error().message);
            material.intermediates = std::move(*chain);
        }
        return material;
    }

    Host host_;
    std::string certificate_;
    std::string private_key_;
    std::string intermediates_;
    std::string trust_anchor_arn_;
    std::string profile_arn_;
    std::string role_arn_;
    std::string role_account_;
    std::string region_;
    int duration_ = 3600;
    std::string role_session_name_;
    std::string endpoint_;
    PasswordSetting pkcs8_password_;
    PasswordSetting tpm_password_;
    Pkcs11Options pkcs11_;
    bool no_tpm_password_ = false;
    bool no_verify_ssl_ = false;
    bool with_proxy_ = false;
};

} // namespace
} // namespace pullcred_ra

PULLCRED_MODULE("source-rolesanywhere", MODULE_VERSION,
                pullcred::sdk::credential_source<pullcred_ra::RolesAnywhereSource>("aws.roles-anywhere",
                                                                                   pullcred_ra::kSchema))
