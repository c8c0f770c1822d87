// `pullcred credential-process`: AWS credential_process JSON on stdout.
//
// With the flags of `aws_signing_helper credential-process` (--certificate,
// a PEM, DER or PKCS#12 file,
// --private-key, --trust-anchor-arn, ...) it is a drop-in replacement: the
// flags become an `aws.roles-anywhere` profile, served through the module
// registry like any configured profile. With --profile NAME (and --config)
// it serves that profile of the config, whatever its source.
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <pullcred/time.hpp>
#include <string>

#include "cli/command.hpp"
#include "cli/command_options.hpp"
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

struct SigningHelperFlags {
    std::string certificate;
    std::string private_key;
    std::string intermediates;
    std::string trust_anchor_arn;
    std::string profile_arn;
    std::string role_arn;
    std::string region;
    std::optional<int> session_duration;
    std::string endpoint;
    std::string role_session_name;
    std::string pkcs8_password;
    bool no_verify_ssl = false;
    bool with_proxy = false;
};

// The credential_process document (Version 1) of a source's credentials.
Result<std::string> credential_process_json(const sdk::Credentials &credentials, const std::string &profile) {
    const auto access_key_id = credentials.get(PULLCRED_FIELD_ACCESS_KEY_ID);
    const auto secret_access_key = credentials.get(PULLCRED_FIELD_SECRET_ACCESS_KEY);
    if (access_key_id.empty() || secret_access_key.empty())
        return make_error("profile '" + profile + "' gave no " +
                          (access_key_id.empty() ? "access_key_id" : "secret_access_key") +
                          ": credential_process needs AWS keys");
    nlohmann::ordered_json out;
    out["Version"] = 1;
    out["AccessKeyId"] = access_key_id;
    out["SecretAccessKey"] = secret_access_key;
    if (const auto token = credentials.get(PULLCRED_FIELD_SESSION_TOKEN); !token.empty())
        out["SessionToken"] = token;
    if (const auto expiration = credentials.get("expiration"); !expiration.empty())
        out["Expiration"] = expiration;
    else if (credentials.expires_unix)
        out["Expiration"] = sdk::format_rfc3339(*credentials.expires_unix);
    return out.dump();
}

nlohmann::json profile_of_flags(const SigningHelperFlags &flags) {
    nlohmann::json profile{{"source", "aws.roles-anywhere"},
                           {"certificate", flags.certificate},
                           {"trustAnchorArn", flags.trust_anchor_arn},
                           {"profileArn", flags.profile_arn},
                           {"roleArn", flags.role_arn}};
    if (!flags.private_key.empty()) profile["privateKey"] = flags.private_key;
    if (!flags.intermediates.empty()) profile["intermediates"] = flags.intermediates;
    if (!flags.region.empty()) profile["region"] = flags.region;
    if (flags.session_duration) profile["sessionDuration"] = *flags.session_duration;
    if (!flags.endpoint.empty()) profile["endpoint"] = flags.endpoint;
    if (!flags.role_session_name.empty()) profile["roleSessionName"] = flags.role_session_name;
    if (!flags.pkcs8_password.empty()) profile["privateKeyPasswordEnv"] = kPasswordVariable;
    if (flags.no_verify_ssl) profile["noVerifySsl"] = true;
    if (flags.with_proxy) profile["withProxy"] = true;
    return profile;
}

int serve(Session &session, const std::string &profile, const std::string &region_hint) {
    auto prepared = session.providers().prepare_profile(profile);
    if (!prepared) return fail(prepared.error().message);
    auto credentials = session.providers().credentials_for(profile, region_hint);
    if (!credentials) return fail(credentials.error().message);
    auto document = credential_process_json(*credentials, profile);
    if (!document) return fail(document.error().message);
    std::cout << *document << "\n" << std::flush;
    return 0;
}

} // namespace

int run_credential_process(const CommandLine &command) {
    SigningHelperFlags flags;
    std::string profile;
    int session_duration = 0;
    po::options_description own(
        "credential-process options (those of aws_signing_helper credential-process)");
    own.add_options()(
        "certificate", po::value(&flags.certificate),
        "certificate: PEM (first CERTIFICATE block), DER, or a PKCS#12 bundle with an empty password "
        "holding the key and chain (then without --private-key)")(
        "private-key", po::value(&flags.private_key),
        "private key PEM file (may be the certificate's file); not with a PKCS#12 --certificate")(
        "intermediates", po::value(&flags.intermediates), "PEM bundle of intermediate CA certificates")(
        "trust-anchor-arn", po::value(&flags.trust_anchor_arn), "Roles Anywhere trust anchor ARN")(
        "profile-arn", po::value(&flags.profile_arn),
        "Roles Anywhere profile ARN")("role-arn", po::value(&flags.role_arn), "IAM role ARN to assume")(
        "region", po::value(&flags.region), "region of the endpoint (default: the trust anchor's)")(
        "session-duration", po::value(&session_duration), "seconds, 900..43200 (default 3600)")(
        "endpoint", po::value(&flags.endpoint), "Roles Anywhere endpoint URL")(
        "role-session-name", po::value(&flags.role_session_name), "role session name")(
        "no-verify-ssl", po::bool_switch(&flags.no_verify_ssl),
        "do not verify the endpoint's TLS certificate")("with-proxy", po::bool_switch(&flags.with_proxy),
                                                        "use HTTPS_PROXY / NO_PROXY (default: direct)")(
        "pkcs8-password", po::value(&flags.pkcs8_password), "password of an encrypted PKCS#8 key")(
        "debug", "debug logging on stderr")("profile", po::value(&profile),
                                            "serve this profile of --config instead of the flags above");
    // aws_signing_helper (Go's flag package) also takes -certificate with one dash.
    CommandLine normalized = command;
    for (auto &arg : normalized.args) {
        if (arg.size() < 3 || arg[0] != '-' || arg[1] == '-') continue;
        const auto name =
            arg.substr(1, arg.find('=') == std::string::npos ? std::string::npos : arg.find('=') - 1);
        if (own.find_nothrow(name, false) != nullptr) arg.insert(0, "-");
    }
    auto parsed = parse_command(normalized, own);
    if (parsed.help) {
        print_command_help(
            "pullcred credential-process --certificate FILE [--private-key PEM] --trust-anchor-arn ARN "
            "--profile-arn ARN --role-arn ARN [flags]\n"
            "       pullcred credential-process --profile NAME [--config FILE]",
            own,
            "pullcred credential-process --certificate /var/lib/kubelet/pki/kubelet-client-current.pem "
            "--private-key /var/lib/kubelet/pki/kubelet-client-current.pem --trust-anchor-arn "
            "arn:aws:rolesanywhere:us-west-2:111122223333:trust-anchor/abc --profile-arn "
            "arn:aws:rolesanywhere:us-west-2:111122223333:profile/def --role-arn "
            "arn:aws:iam::111122223333:role/ecr-pull");
        std::cout << "\nNot on Linux: the Windows/macOS certificate store flags (--cert-selector,\n"
                     "--system-store-name, --system-store-location, --use-latest-expiring-certificate).\n"
                     "Not supported yet: PKCS#11 (pkcs11: URIs, --pkcs11-lib, --reuse-pin) and TPM 2.0\n"
                     "keys (handle:, TSS2 key files, --tpm-key-password).\n";
        return 0;
    }
    if (!flags.pkcs8_password.empty()) log::register_secret(flags.pkcs8_password);
    if (parsed.values.count("debug") != 0U) {
        auto settings = log::settings();
        settings.level = log::Level::debug;
        log::configure(settings);
    }
    if (parsed.values.count("session-duration") != 0U) flags.session_duration = session_duration;

    if (!profile.empty()) {
        for (const char *flag :
             {"certificate", "private-key", "intermediates", "trust-anchor-arn", "profile-arn", "role-arn",
              "session-duration", "endpoint", "role-session-name", "pkcs8-password"})
            if (parsed.values.count(flag) != 0U)
                return fail(std::string("--profile serves a profile of the config; --") + flag +
                            " belongs to the signing-helper flags, not both");
        auto session = Session::open(command.global);
        if (!session.loaded().ok()) return fail(session.loaded().summary());
        if (session.config().profiles.find(profile) == session.config().profiles.end()) {
            const auto &file = session.config().file;
            return fail(
                "profile '" + profile + "' is not defined in " +
                (file.empty() ? std::string("the built-in config (give --config FILE)") : "config " + file));
        }
        return serve(session, profile, flags.region);
    }

    std::string missing;
    for (const auto &[flag, value] :
         {std::pair<const char *, const std::string *>{"--certificate", &flags.certificate},
          {"--trust-anchor-arn", &flags.trust_anchor_arn},
          {"--profile-arn", &flags.profile_arn},
          {"--role-arn", &flags.role_arn}})
        if (value->empty()) missing += (missing.empty() ? "" : ", ") + std::string(flag);
    if (!missing.empty())
        return fail("credential-process needs " + missing +
                    " (or --profile NAME to serve a profile of the config); run `pullcred credential-process "
                    "--help`");
    if (!flags.pkcs8_password.empty()) {
        if (::setenv(kPasswordVariable, flags.pkcs8_password.c_str(), 1) != 0)
            return fail("cannot pass --pkcs8-password on to the source");
    }
    // The profile comes from the flags; the cache, settings and modules from
    // the config (--config, $PULLCRED_CONFIG or the default file, else the
    // built-in defaults), so repeated calls share cached credentials.
    auto loaded = config::load_effective_config(config::locate_config(command.global.config));
    if (!loaded.ok()) return fail(loaded.summary());
    config::Profile flags_profile;
    flags_profile.name = kFlagsProfile;
    flags_profile.source = "aws.roles-anywhere";
    flags_profile.settings = profile_of_flags(flags);
    loaded.config.profiles[kFlagsProfile] = std::move(flags_profile);
    Session session(std::move(loaded));
    return serve(session, kFlagsProfile, flags.region);
}

} // namespace pullcred::cli
