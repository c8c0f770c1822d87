// `aws_signing_helper serve`: the credentials of the signing-helper flags (or
// any profile of the config) behind an IMDSv2-compatible endpoint on
// 127.0.0.1, for SDKs pointed at it with AWS_EC2_METADATA_SERVICE_ENDPOINT.
#include <iostream>
#include <nlohmann/json.hpp>
#include <pullcred/time.hpp>

#include "cli/command_options.hpp"
#include "cli/credential_selection.hpp"
#include "cli/imds_server.hpp"
#include "cli/session.hpp"
#include "cli/signing_helper_commands.hpp"
#include "log/logger.hpp"

namespace pullcred::cli {

namespace {

// Credentials closer than this to their expiry are fetched again (the helper's rule).
constexpr std::int64_t kRefreshSeconds = 600;
// Keys that do not expire are announced as valid this long, so SDKs ask again.
constexpr std::int64_t kAnnouncedSeconds = 3600;

// The credentials served, resolved again on every request while a cache is in
// use (it answers from memory and notices a rotated certificate), else when
// they near their expiry.
class Keeper {
public:
    Keeper(const CredentialSelection &selection, AwsKeys keys, bool cached)
        : selection_(selection), keys_(std::move(keys)), cached_(cached),
          updated_(util::now_unix_ms() / 1000) {}

    Result<std::string> document() {
        const auto now = util::now_unix_ms() / 1000;
        if (cached_ || !keys_.expires_unix || *keys_.expires_unix - now < kRefreshSeconds) {
            auto fresh = selection_.resolve(&cached_);
            if (fresh) {
                if (fresh->access_key_id != keys_.access_key_id) updated_ = now;
                keys_ = std::move(*fresh);
            } else if (keys_.expires_unix && *keys_.expires_unix - now > 60) {
                log::warn("imds: cannot refresh the credentials of profile '" + selection_.profile() + "' (" +
                          fresh.error().message + "); the current ones are served until they expire");
            } else {
                return fresh.error();
            }
        }
        nlohmann::ordered_json out;
        out["Code"] = "Success";
        out["LastUpdated"] = sdk::format_rfc3339(updated_);
        out["Type"] = "AWS-HMAC";
        out["AccessKeyId"] = keys_.access_key_id;
        out["SecretAccessKey"] = keys_.secret_access_key;
        out["Token"] = keys_.session_token;
        out["Expiration"] = keys_.expires_unix ? sdk::format_rfc3339(*keys_.expires_unix)
                                               : sdk::format_rfc3339(now + kAnnouncedSeconds);
        return out.dump();
    }

private:
    const CredentialSelection &selection_;
    AwsKeys keys_;
    bool cached_;
    std::int64_t updated_;
};

} // namespace

int run_signing_helper_serve(const CommandLine &command) {
    po::options_description own("serve options (those of aws_signing_helper serve)");
    imds::ServerOptions server;
    int port = server.port;
    own.add_options()("port", po::value(&port)->default_value(port), "port on 127.0.0.1 (0: any free port)")(
        "hop-limit", po::value(&server.hop_limit)->default_value(server.hop_limit),
        "IP TTL of the answers, 1..255 (1 keeps them on this host)");
    CredentialSelection selection(own, "signing-helper serve", "profile");
    auto parsed = parse_command(selection.normalized(command), own);
    if (parsed.help) {
        print_command_help(
            "pullcred signing-helper serve [--port 9911] [--hop-limit 64] --certificate FILE "
            "[--private-key PEM] --trust-anchor-arn ARN --profile-arn ARN --role-arn ARN [flags]\n"
            "       pullcred signing-helper serve [--port N] --profile NAME [--config FILE]",
            own,
            "pullcred signing-helper serve --profile node --config /etc/pullcred/config.yaml &\n"
            "  AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:9911/ aws sts get-caller-identity");
        std::cout << "\nAn IMDSv2 endpoint on 127.0.0.1 only: PUT /latest/api/token (header\n"
                     "x-aws-ec2-metadata-token-ttl-seconds, 1..21600) gives a session token that every\n"
                     "GET of /latest/meta-data/iam/security-credentials/[ROLE] needs (IMDSv1 is refused).\n"
                  << CredentialSelection::key_store_note();
        return 0;
    }
    if (port < 0 || port > 65535) return fail("--port must be 0..65535 (0: any free port)");
    if (server.hop_limit < 1 || server.hop_limit > 255) return fail("--hop-limit must be 1..255 (an IP TTL)");
    server.port = static_cast<unsigned short>(port);
    if (auto selected = selection.select(parsed, command.global); !selected)
        return fail(selected.error().message);
    bool cached = false;
    auto first = selection.resolve(&cached);
    if (!first) return fail(first.error().message);
    Keeper keeper(selection, std::move(*first), cached);
    const auto role = selection.role_name();
    imds::Service service(
        role, [&keeper] { return keeper.document(); }, &util::now_unix_ms);
    auto served = imds::serve(server, service, [&](unsigned short bound) {
        const auto url = "http://127.0.0.1:" + std::to_string(bound) + "/";
        log::info("serving the credentials of profile '" + selection.profile() + "' as role '" + role +
                  "' on " + url + " (export AWS_EC2_METADATA_SERVICE_ENDPOINT=" + url + ")");
    });
    if (!served) return fail(served.error().message);
    log::info("imds: stopped");
    return 0;
}

} // namespace pullcred::cli
