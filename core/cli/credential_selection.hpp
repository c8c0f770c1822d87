// What the commands that vend AWS credentials (credential-process, and the
// signing helper's serve and update) serve: the flags of `aws_signing_helper
// credential-process` as an `aws.roles-anywhere` profile, or a profile of the
// config, whatever its source. Resolution goes through the module registry
// and pullcred's cache like every other request.
#pragma once

#include <cstdint>
#include <optional>
#include <pullcred/module.hpp>
#include <string>

#include "cli/command.hpp"
#include "cli/command_options.hpp"
#include "config/model.hpp"
#include "util/result.hpp"

namespace pullcred::cli {

// AWS keys of one resolution, as every output format needs them.
struct AwsKeys {
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;
    std::optional<std::int64_t> expires_unix;
    std::string expiration; // RFC 3339, empty when the credentials do not expire
};

class CredentialSelection {
public:
    // Adds the signing-helper flags, --debug and `profile_flag` (which names
    // a profile of the config instead) to `options`. `command` is the
    // command's name in messages ("credential-process", "signing-helper serve").
    CredentialSelection(po::options_description &options, std::string command, std::string profile_flag);

    // Go's flag package takes -certificate with one dash: so does pullcred.
    [[nodiscard]] CommandLine normalized(const CommandLine &command) const;

    // Checks the parsed flags and remembers what to serve. A message naming
    // the problem and its fix on failure.
    Status select(const ParsedCommand &parsed, const GlobalOptions &global);

    // One resolution with a fresh session (the config read again, the
    // deadline counted from now); cached credentials are served while valid
    // and their input files unchanged. `cached` tells whether a cache is in use.
    [[nodiscard]] Result<AwsKeys> resolve(bool *cached = nullptr) const;

    [[nodiscard]] const std::string &profile() const { return profile_; }
    // The IAM role's name (after the last '/' of its ARN), else the profile's name.
    [[nodiscard]] std::string role_name() const;

    // The help text's note on key stores: the certificate stores Linux lacks, the hardware keys it has.
    static const char *key_store_note();

private:
    struct Flags {
        std::string certificate;
        std::string private_key;
        std::string intermediates;
        std::string trust_anchor_arn;
        std::string profile_arn;
        std::string role_arn;
        std::string region;
        int session_duration = 0;
        std::string endpoint;
        std::string role_session_name;
        std::string pkcs8_password;
        std::string pkcs11_lib;
        bool reuse_pin = false;
        std::string tpm_key_password;
        bool no_tpm_key_password = false;
        bool no_verify_ssl = false;
        bool with_proxy = false;
    };

    const po::options_description *options_;
    std::string command_;
    std::string profile_flag_;
    Flags flags_;
    std::string config_profile_;
    GlobalOptions global_;
    std::string profile_;
    std::optional<config::Profile> from_flags_;
};

// The AWS keys of a source's credentials; an error when it gave none.
Result<AwsKeys> aws_keys_of(const sdk::Credentials &credentials, const std::string &profile);

} // namespace pullcred::cli
