#include "cli/credential_selection.hpp"

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <pullcred/time.hpp>
#include <utility>

#include "aws/sources/signing_helper.hpp"
#include "cli/session.hpp"
#include "config/defaults.hpp"
#include "config/loader.hpp"
#include "log/logger.hpp"
#include "log/redact.hpp"

namespace pullcred::cli {

namespace {

// The profile the signing-helper flags turn into.
constexpr const char *kFlagsProfile = "credential-process";
// --pkcs8-password travels to the source in this variable of our own
// process, never through the config, logs or errors.
constexpr const char *kPasswordVariable = "PULLCRED_CREDENTIAL_PROCESS_PKCS8_PASSWORD";
constexpr const char *kTpmPasswordVariable = "PULLCRED_CREDENTIAL_PROCESS_TPM_KEY_PASSWORD";

constexpr const char *kHelperFlags[] = {
    "certificate",       "private-key",    "intermediates",    "trust-anchor-arn",
    "profile-arn",       "role-arn",       "session-duration", "endpoint",
    "role-session-name", "pkcs8-password", "no-verify-ssl",    "with-proxy",
    "pkcs11-lib",        "reuse-pin",      "tpm-key-password", "no-tpm-key-password"};

Result<AwsKeys> resolve_in(Session &session, const std::string &profile, const std::string &region_hint,
                           bool *cached) {
    if (auto prepared = session.providers().prepare_profile(profile); !prepared) return prepared.error();
    auto credentials = session.providers().credentials_for(profile, region_hint);
    if (cached != nullptr) *cached = session.cache() != nullptr;
    if (!credentials) return credentials.error();
    return aws_keys_of(*credentials, profile);
}

} // namespace

Result<AwsKeys> aws_keys_of(const sdk::Credentials &credentials, const std::string &profile) {
    AwsKeys keys;
    keys.access_key_id = credentials.get(PULLCRED_FIELD_ACCESS_KEY_ID);
    keys.secret_access_key = credentials.get(PULLCRED_FIELD_SECRET_ACCESS_KEY);
    if (keys.access_key_id.empty() || keys.secret_access_key.empty())
        return Error::failed("profile '" + profile + "' gave no " +
                             (keys.access_key_id.empty() ? "access_key_id" : "secret_access_key") +
                             ": credential_process needs AWS keys");
    keys.session_token = credentials.get(PULLCRED_FIELD_SESSION_TOKEN);
    keys.expires_unix = credentials.expires_unix;
    keys.expiration = credentials.get("expiration");
    if (keys.expiration.empty() && keys.expires_unix)
        keys.expiration = sdk::format_rfc3339(*keys.expires_unix);
    if (!keys.expires_unix && !keys.expiration.empty())
        keys.expires_unix = sdk::parse_rfc3339(keys.expiration);
    return keys;
}

CredentialSelection::CredentialSelection(po::options_description &options, std::string command,
                                         std::string profile_flag)
    : options_(&options), command_(std::move(command)), profile_flag_(std::move(profile_flag)) {
    options.add_options()(
        "certificate", po::value(&flags_.certificate),
        "certificate: PEM (first CERTIFICATE block), DER, or a PKCS#12 bundle with an empty password "
        "holding the key and chain (then without --private-key)")(
        "private-key", po::value(&flags_.private_key),
        "private key PEM file (may be the certificate's file); not with a PKCS#12 --certificate")(
        "intermediates", po::value(&flags_.intermediates), "PEM bundle of intermediate CA certificates")(
        "trust-anchor-arn", po::value(&flags_.trust_anchor_arn), "Roles Anywhere trust anchor ARN")(
        "profile-arn", po::value(&flags_.profile_arn),
        "Roles Anywhere profile ARN")("role-arn", po::value(&flags_.role_arn), "IAM role ARN to assume")(
        "region", po::value(&flags_.region), "region of the endpoint (default: the trust anchor's)")(
        "session-duration", po::value(&flags_.session_duration), "seconds, 900..43200 (default 3600)")(
        "endpoint", po::value(&flags_.endpoint), "Roles Anywhere endpoint URL")(
        "role-session-name", po::value(&flags_.role_session_name), "role session name")(
        "no-verify-ssl", po::bool_switch(&flags_.no_verify_ssl),
        "do not verify the endpoint's TLS certificate")("with-proxy", po::bool_switch(&flags_.with_proxy),
                                                        "use HTTPS_PROXY / NO_PROXY (default: direct)")(
        "pkcs8-password", po::value(&flags_.pkcs8_password), "password of an encrypted PKCS#8 key")(
        "pkcs11-lib", po::value(&flags_.pkcs11_lib),
        "PKCS#11 module for pkcs11: URIs (default: p11-kit's proxy, p11-kit-proxy.so)")(
        "reuse-pin", po::bool_switch(&flags_.reuse_pin),
        "use the token's user PIN as a key's context-specific PIN")(
        "tpm-key-password", po::value(&flags_.tpm_key_password),
        "password of the TPM 2.0 key")("no-tpm-key-password", po::bool_switch(&flags_.no_tpm_key_password),
                                       "the TPM 2.0 key behind a handle: has no password")(
        "debug", "debug logging on stderr")(profile_flag_.c_str(), po::value(&config_profile_),
                                            "serve this profile of --config instead of the flags above");
}

const char *CredentialSelection::key_store_note() {
    return "\nNot on Linux: the Windows/macOS certificate store flags (--cert-selector,\n"
           "--system-store-name, --system-store-location, --use-latest-expiring-certificate).\n"
           "Hardware keys: --certificate/--private-key take pkcs11: URIs (with --pkcs11-lib,\n"
           "--reuse-pin) and TPM 2.0 keys (TSS2 key files, handle:0x81000001; --tpm-key-password,\n"
           "--no-tpm-key-password).\n";
}

CommandLine CredentialSelection::normalized(const CommandLine &command) const {
    CommandLine out = command;
    for (auto &arg : out.args) {
        if (arg.size() < 3 || arg[0] != '-' || arg[1] == '-') continue;
        const auto name =
            arg.substr(1, arg.find('=') == std::string::npos ? std::string::npos : arg.find('=') - 1);
        if (options_->find_nothrow(name, false) != nullptr) arg.insert(0, "-");
    }
    return out;
}

Status CredentialSelection::select(const ParsedCommand &parsed, const GlobalOptions &global) {
    global_ = global;
    if (!flags_.pkcs8_password.empty()) log::register_secret(flags_.pkcs8_password);
    if (!flags_.tpm_key_password.empty()) log::register_secret(flags_.tpm_key_password);
    aws::sources::register_pkcs11_pin(flags_.certificate);
    aws::sources::register_pkcs11_pin(flags_.private_key);
    if (parsed.values.count("debug") != 0U) {
        auto settings = log::settings();
        settings.level = log::Level::debug;
        log::configure(settings);
    }
    if (!config_profile_.empty()) {
        for (const char *flag : kHelperFlags)
            if (parsed.values.count(flag) != 0U && !parsed.values[flag].defaulted())
                return Error::failed("--" + profile_flag_ + " serves a profile of the config; --" + flag +
                                     " belongs to the signing-helper flags, not both");
        auto session = Session::open(global_);
        if (!session.loaded().ok()) return Error::failed(session.loaded().summary());
        if (session.config().profiles.find(config_profile_) == session.config().profiles.end()) {
            const auto &file = session.config().file;
            return Error::failed(
                "profile '" + config_profile_ + "' is not defined in " +
                (file.empty() ? std::string("the built-in config (give --config FILE)") : "config " + file));
        }
        profile_ = config_profile_;
        return ok();
    }
    std::string missing;
    for (const auto &[flag, value] :
         {std::pair<const char *, const std::string *>{"--certificate", &flags_.certificate},
          {"--trust-anchor-arn", &flags_.trust_anchor_arn},
          {"--profile-arn", &flags_.profile_arn},
          {"--role-arn", &flags_.role_arn}})
        if (value->empty()) missing += (missing.empty() ? "" : ", ") + std::string(flag);
    if (!missing.empty())
        return Error::failed(command_ + " needs " + missing + " (or --" + profile_flag_ +
                             " NAME to serve a profile of the config); see pullcred " + command_ + " --help");
    if (!flags_.pkcs8_password.empty() && ::setenv(kPasswordVariable, flags_.pkcs8_password.c_str(), 1) != 0)
        return Error::failed("cannot pass --pkcs8-password on to the source");
    if (!flags_.tpm_key_password.empty() &&
        ::setenv(kTpmPasswordVariable, flags_.tpm_key_password.c_str(), 1) != 0)
        return Error::failed("cannot pass --tpm-key-password on to the source");
    nlohmann::json settings{{"source", "aws.roles-anywhere"},
                            {"certificate", flags_.certificate},
                            {"trustAnchorArn", flags_.trust_anchor_arn},
                            {"profileArn", flags_.profile_arn},
                            {"roleArn", flags_.role_arn}};
    if (!flags_.private_key.empty()) settings["privateKey"] = flags_.private_key;
    if (!flags_.intermediates.empty()) settings["intermediates"] = flags_.intermediates;
    if (!flags_.region.empty()) settings["region"] = flags_.region;
    if (parsed.values.count("session-duration") != 0U) settings["sessionDuration"] = flags_.session_duration;
    if (!flags_.endpoint.empty()) settings["endpoint"] = flags_.endpoint;
    if (!flags_.role_session_name.empty()) settings["roleSessionName"] = flags_.role_session_name;
    if (!flags_.pkcs8_password.empty()) settings["privateKeyPasswordEnv"] = kPasswordVariable;
    if (!flags_.tpm_key_password.empty()) settings["tpmKeyPasswordEnv"] = kTpmPasswordVariable;
    if (!flags_.pkcs11_lib.empty()) settings["pkcs11Lib"] = flags_.pkcs11_lib;
    if (flags_.reuse_pin) settings["reusePin"] = true;
    if (flags_.no_tpm_key_password) settings["noTpmKeyPassword"] = true;
    if (flags_.no_verify_ssl) settings["noVerifySsl"] = true;
    if (flags_.with_proxy) settings["withProxy"] = true;
    config::Profile profile;
    profile.name = kFlagsProfile;
    profile.source = "aws.roles-anywhere";
    profile.settings = std::move(settings);
    from_flags_ = std::move(profile);
    profile_ = kFlagsProfile;
    return ok();
}

Result<AwsKeys> CredentialSelection::resolve(bool *cached) const {
    if (!from_flags_) {
        auto session = Session::open(global_);
        if (!session.loaded().ok()) return Error::failed(session.loaded().summary());
        if (session.config().profiles.find(profile_) == session.config().profiles.end())
            return Error::failed("profile '" + profile_ + "' is no longer defined in config " +
                                 session.config().file + "; put it back or restart with another profile");
        return resolve_in(session, profile_, flags_.region, cached);
    }
    // The profile comes from the flags; the cache, settings and modules from
    // the config (--config, $PULLCRED_CONFIG or the default file, else the
    // built-in defaults), so repeated calls share cached credentials.
    auto loaded = config::load_effective_config(config::locate_config(global_.config));
    if (!loaded.ok()) return Error::failed(loaded.summary());
    loaded.config.profiles[profile_] = *from_flags_;
    Session session(std::move(loaded));
    return resolve_in(session, profile_, flags_.region, cached);
}

std::string CredentialSelection::role_name() const {
    std::string arn = from_flags_ ? flags_.role_arn : std::string();
    if (!from_flags_) {
        auto session = Session::open(global_);
        if (auto found = session.config().profiles.find(profile_); found != session.config().profiles.end()) {
            const auto &settings = found->second.settings;
            if (settings.is_object() && settings.contains("roleArn") && settings["roleArn"].is_string())
                arn = settings["roleArn"].get<std::string>();
        }
    }
    const auto slash = arn.rfind('/');
    if (arn.empty() || slash == std::string::npos || slash + 1 == arn.size()) return profile_;
    return arn.substr(slash + 1);
}

} // namespace pullcred::cli
