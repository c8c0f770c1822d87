// `pullcred credential-process`: AWS credential_process JSON on stdout.
//
// With the flags of `aws_signing_helper credential-process` (--certificate,
// a PEM, DER or PKCS#12 file,
// --private-key, --trust-anchor-arn, ...) it is a drop-in replacement: the
// flags become an `aws.roles-anywhere` profile, served through the module
// registry like any configured profile. With --profile NAME (and --config)
// it serves that profile of the config, whatever its source
// (cli/credential_selection.hpp).
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.hpp"
#include "cli/command_options.hpp"
#include "cli/credential_selection.hpp"

namespace pullcred::cli {

int run_credential_process(const CommandLine &command) {
    po::options_description own(
        "credential-process options (those of aws_signing_helper credential-process)");
    CredentialSelection selection(own, "credential-process", "profile");
    auto parsed = parse_command(selection.normalized(command), own);
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
        std::cout << CredentialSelection::key_store_note();
        return 0;
    }
    if (auto selected = selection.select(parsed, command.global); !selected)
        return fail(selected.error().message);
    auto keys = selection.resolve();
    if (!keys) return fail(keys.error().message);
    nlohmann::ordered_json out;
    out["Version"] = 1;
    out["AccessKeyId"] = keys->access_key_id;
    out["SecretAccessKey"] = keys->secret_access_key;
    if (!keys->session_token.empty()) out["SessionToken"] = keys->session_token;
    if (!keys->expiration.empty()) out["Expiration"] = keys->expiration;
    std::cout << out.dump() << "\n" << std::flush;
    return 0;
}

} // namespace pullcred::cli
