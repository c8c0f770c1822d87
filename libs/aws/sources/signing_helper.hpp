// Recognises a credential_process command line that runs
// `aws_signing_helper credential-process <flags>` (IAM Roles Anywhere's
// helper) and turns its flags into the config of the aws.roles-anywhere
// factory, so that pullcred can serve it natively instead of spawning it.
//
// The line is split with the same POSIX word rules as aws.process uses to
// run it (libs/command/shell_words.hpp). The program is
// recognised by its basename (`aws_signing_helper`, any directory). Flags
// follow the helper's (spf13/pflag) syntax: `--name value` or
// `--name=value`; boolean flags as `--name` or `--name=true|false`; the last
// occurrence wins.
//
//   --certificate         certificate            --trust-anchor-arn  trustAnchorArn
//   --private-key         privateKey             --profile-arn       profileArn
//   --intermediates       intermediates          --role-arn          roleArn
//   --region              region                 --session-duration  sessionDuration (integer)
//   --endpoint            endpoint               --role-session-name roleSessionName
//   --no-verify-ssl       noVerifySsl            --with-proxy        withProxy
//   --pkcs8-password      privateKeyPassword     --pkcs11-lib        pkcs11Lib
//   --reuse-pin           reusePin               --tpm-key-password  tpmKeyPassword
//   --no-tpm-key-password noTpmKeyPassword
//   --debug               ignored (only the helper's own stderr logging)
//
// --certificate and --private-key may be PKCS#11 URIs or (the key) a TPM
// handle: aws.roles-anywhere reads those too. The passwords and a URI's
// pin-value are registered as secrets (report_secret, secrets.hpp) as they are
// read, so no output shows them.
//
// Anything else (another flag such as --cert-selector, a positional
// argument, a missing value or one of the four required flags missing)
// means "spawn it", with the reason.
// --private-key is not required: a PKCS#12 --certificate holds the key, and
// PEM or DER certificates are served too (aws.roles-anywhere reads all three).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace pullcred::aws::sources {

struct SigningHelperCommand {
    enum class Kind {
        other,  // not `aws_signing_helper credential-process` (or not splittable)
        native, // `config` serves it with aws.roles-anywhere
        spawn,  // the helper, but with something only the helper can do: `reason`
    };
    Kind kind = Kind::other;
    nlohmann::json config = nlohmann::json::object();
    std::string reason;
};

SigningHelperCommand parse_signing_helper_command(std::string_view command_line);

// Remembers the pin-value of a PKCS#11 URI (`value` as given) as a secret
// (report_secret, secrets.hpp), so that no output shows it; other values: nothing.
void register_pkcs11_pin(std::string_view value);

} // namespace pullcred::aws::sources
