// `aws_signing_helper update`: writes the credentials of the signing-helper
// flags (or of a profile of the config) into a profile of the AWS shared
// credentials file, again 5 minutes before they expire, until killed.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <pullcred/time.hpp>
#include <thread>

#include "cli/command_options.hpp"
#include "cli/credential_selection.hpp"
#include "cli/credentials_file.hpp"
#include "cli/session.hpp"
#include "cli/signing_helper_commands.hpp"
#include "log/logger.hpp"

namespace pullcred::cli {

namespace {

constexpr std::int64_t kRefreshBeforeSeconds = 300;
constexpr std::int64_t kMinSleepSeconds = 10;
// Keys that do not expire are written again this often (the source may change them).
constexpr std::int64_t kStaticRewriteSeconds = 3600;
constexpr std::int64_t kMaxBackoffSeconds = 300;

} // namespace

int run_signing_helper_update(const CommandLine &command) {
    po::options_description own("update options (those of aws_signing_helper update)");
    std::string profile = "default";
    bool once = false;
    bool retry_errors = false;
    own.add_options()("profile", po::value(&profile)->default_value(profile),
                      "profile of the AWS credentials file to update")("once", po::bool_switch(&once),
                                                                       "update once and exit")(
        "retry-errors", po::bool_switch(&retry_errors),
        "on errors retry with a growing delay instead of exiting");
    CredentialSelection selection(own, "signing-helper update", "pullcred-profile");
    auto parsed = parse_command(selection.normalized(command), own);
    if (parsed.help) {
        print_command_help(
            "pullcred signing-helper update [--profile default] [--once] --certificate FILE "
            "[--private-key PEM] --trust-anchor-arn ARN --profile-arn ARN --role-arn ARN [flags]\n"
            "       pullcred signing-helper update [--profile NAME] --pullcred-profile NAME "
            "[--config FILE]",
            own,
            "pullcred signing-helper update --profile ecr --pullcred-profile node --config "
            "/etc/pullcred/config.yaml");
        std::cout
            << "\nThe file: $AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials; rewritten atomically,\n"
               "mode 0600, other profiles and lines kept. --profile is the AWS credentials file's\n"
               "profile (as in aws_signing_helper); --pullcred-profile picks a profile of pullcred's "
               "config.\n"
            << CredentialSelection::key_store_note();
        return 0;
    }
    if (once && retry_errors) return fail("--once and --retry-errors cannot be used together; pick one");
    if (profile.empty() || profile.find_first_of("[]\r\n") != std::string::npos)
        return fail(
            "--profile must name a profile of the AWS credentials file (not empty, no '[', ']' or line "
            "break)");
    if (auto selected = selection.select(parsed, command.global); !selected)
        return fail(selected.error().message);
    auto path = credentials_file_path();
    if (!path) return fail(path.error().message);
    std::int64_t backoff = 5;
    for (;;) {
        auto keys = selection.resolve();
        Status written = keys ? update_credentials_file(*path, profile, *keys) : Status(keys.error());
        const auto now = util::now_unix_ms() / 1000;
        if (!written) {
            if (!retry_errors) return fail(written.error().message);
            log::warn(written.error().message + "; trying again in " + std::to_string(backoff) + " s");
            std::this_thread::sleep_for(std::chrono::seconds(backoff));
            backoff = std::min(backoff * 2, kMaxBackoffSeconds);
            continue;
        }
        backoff = 5;
        const auto next = keys->expires_unix
                              ? std::max(*keys->expires_unix - kRefreshBeforeSeconds, now + kMinSleepSeconds)
                              : now + kStaticRewriteSeconds;
        log::info(
            "updated profile '" + profile + "' in " + path->string() +
            (keys->expiration.empty() ? std::string() : "; the credentials expire at " + keys->expiration) +
            (once ? std::string() : "; next update at " + sdk::format_rfc3339(next)));
        if (once) return 0;
        std::this_thread::sleep_for(std::chrono::seconds(next - now));
    }
}

} // namespace pullcred::cli
