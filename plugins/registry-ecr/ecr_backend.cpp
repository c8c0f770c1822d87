// aws.ecr: registry auth for Amazon ECR (private registries in every
// partition, FIPS and dual-stack hosts, across accounts) and ECR Public,
// from GetAuthorizationToken signed with the rule's profile's credentials.
//
// It answers ECR hosts, and other hosts only when the rule declares them a
// mirror: any other host gets no token (an error), so that a broad
// matchImages never hands an ECR token to another registry.
//
// Rule settings (besides the host's matchImages/backend/profile/...):
//   mirrorOf  ACCOUNT.dkr.ecr.REGION.SUFFIX: the private ECR registry that the
//             rule's other (non-ECR) hosts mirror; they get its token
//   endpoint  explicit API endpoint URL, winning over AWS_ENDPOINT_URL_ECR,
//             AWS_ENDPOINT_URL_ECR_PUBLIC and AWS_ENDPOINT_URL
#include <optional>
#include <pullcred/module.hpp>
#include <string>
#include <utility>

#include "aws/endpoints/ecr_host.hpp"
#include "aws/endpoints/endpoint.hpp"
#include "aws/profile/environment.hpp"
#include "ecr_reply.hpp"
#include "text/quote.hpp"

#ifndef MODULE_VERSION
#define MODULE_VERSION "0.0.0"
#endif

namespace pullcred_ecr {
namespace {

using pullcred::sdk::Auth;
using pullcred::sdk::AuthRequest;
using pullcred::sdk::Config;
using pullcred::sdk::ConfigError;
using pullcred::sdk::Error;
using pullcred::sdk::Host;
using pullcred::sdk::HttpRequest;
using pullcred::sdk::Result;

constexpr const char *kSchema = R"({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "aws.ecr rule settings",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "mirrorOf": {
      "description": "The private ECR registry (ACCOUNT.dkr.ecr.REGION.amazonaws.com) that the rule's non-ECR hosts mirror; they get its token. Other non-ECR hosts get none.",
      "type": "string", "minLength": 1
    },
    "region": {
      "description": "Removed: use mirrorOf. Kept here so that the module can say so."
    },
    "endpoint": {
      "description": "ECR API endpoint URL (http or https), overriding AWS_ENDPOINT_URL_ECR / AWS_ENDPOINT_URL.",
      "type": "string", "pattern": "^[hH][tT][tT][pP][sS]?://"
    }
  }
})";

constexpr std::string_view kPrivateTarget = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken";
constexpr std::string_view kPublicTarget = "SpencerFrontendService.GetAuthorizationToken";

// What to call for one registry host.
struct Target {
    bool is_public = false;
    bool is_ecr_host = false;
    std::string region;
    std::string account; // empty for ECR Public
    bool fips = false;
    bool dualstack = false;
};

std::string string_setting(const Config &config, const char *key) {
    const auto it = config.find(key);
    if (it == config.end()) return {};
    if (!it->is_string() || it->get_ref<const std::string &>().empty())
        throw ConfigError(std::string(key) + " must be a non-empty string");
    return it->get<std::string>();
}

class EcrBackend final : public pullcred::sdk::RegistryBackend {
public:
    EcrBackend(Host host, const Config &config) : host_(host) {
        if (!config.is_object()) throw ConfigError("the rule's settings must be an object");
        for (const auto &[key, value] : config.items()) {
            if (key == "region")
                throw ConfigError("region is no longer an aws.ecr setting: name the ECR registry that the "
                                  "mirror serves instead, with `mirrorOf: <account>.dkr.ecr." +
                                  (value.is_string() ? value.get<std::string>() : std::string("<region>")) +
                                  ".amazonaws.com`");
            if (key != "mirrorOf" && key != "endpoint")
                throw ConfigError("unknown key " + key + " (aws.ecr knows mirrorOf and endpoint)");
        }
        mirror_of_ = string_setting(config, "mirrorOf");
        if (!mirror_of_.empty()) {
            auto ecr = pullcred::aws::parse_ecr_host(mirror_of_);
            if (!ecr || ecr->kind != pullcred::aws::EcrRegistryKind::private_registry || ecr->port)
                throw ConfigError("mirrorOf " + pullcred::text::quote_bounded(mirror_of_) +
                                  " is not a private Amazon ECR registry host: write it as "
                                  "<12-digit account>.dkr.ecr.<region>.amazonaws.com (no port, no path)");
            mirror_ = std::move(*ecr);
        }
        endpoint_ = string_setting(config, "endpoint");
        if (!endpoint_.empty()) {
            auto parsed = pullcred::aws::parse_endpoint_url(endpoint_, "endpoint");
            if (!parsed) throw ConfigError(parsed.error().message);
        }
    }

    Result<Auth> get_auth(const AuthRequest &request) override {
        const std::string registry(request.registry);
        const std::string profile(request.profile);
        if (registry.empty()) return Error::failed("the request names no registry host");
        auto found = target_for(registry);
        if (!found.ok()) return found.error();
        Target target = std::move(found.value());
        if (profile.empty())
            return Error::failed("the rule names no profile, and aws.ecr needs AWS credentials to call ECR: "
                                 "add `profile: NAME` (one of `profiles`) to the rule for " +
                                 registry);

        auto credentials = host_.credentials(profile, target.region);
        if (!credentials.ok()) return credentials.error();
        const auto access_key_id = credentials.value().get(PULLCRED_FIELD_ACCESS_KEY_ID);
        const auto secret_access_key = credentials.value().get(PULLCRED_FIELD_SECRET_ACCESS_KEY);
        if (access_key_id.empty() || secret_access_key.empty())
            return Error::failed("profile '" + profile + "' gave no " +
                                 (access_key_id.empty() ? "access_key_id" : "secret_access_key") +
                                 ": aws.ecr needs AWS keys to sign GetAuthorizationToken");

        auto endpoint = endpoint_for(target);
        CallContext context{target.is_public ? "ECR Public" : "ECR",
                            target.region,
                            profile,
                            "",
                            target.account,
                            target.is_public};
        if (!endpoint.ok()) {
            const auto &status = endpoint.error();
            return status.with_message(failure_prefix(context) + status.message);
        }
        const auto &resolved = endpoint.value();
        context.region = resolved.signing_region;
        context.endpoint = resolved.url;

        HttpRequest call;
        call.method = "POST";
        call.url = resolved.url + "/";
        call.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                        {"X-Amz-Target", std::string(target.is_public ? kPublicTarget : kPrivateTarget)}};
        call.body = target.account.empty() ? "{}" : R"({"registryIds":[")" + target.account + R"("]})";

        pullcred::sdk::SigV4Params params{resolved.signing_name, resolved.signing_region, access_key_id,
                                          secret_access_key,
                                          credentials.value().get(PULLCRED_FIELD_SESSION_TOKEN)};
        if (auto signed_ok = host_.sign_sigv4(call, params); !signed_ok.ok())
            return signed_ok.error().with_message(failure_prefix(context) +
                                                  "cannot sign the request: " + signed_ok.error().message);

        host_.debug("GetAuthorizationToken for " + registry + ": " + context.api + " at " + resolved.url +
                    " (" + resolved.source + "), signed for " + resolved.signing_region + "/" +
                    resolved.signing_name + " with profile '" + profile + "'" +
                    (target.account.empty() ? std::string() : ", registry account " + target.account));
        auto response = host_.http(call);
        if (!response.ok()) {
            const auto &status = response.error();
            return status.with_message(failure_prefix(context) + status.message);
        }
        auto token = parse_reply(response.value(), context);
        if (!token.ok()) return token.error();

        const auto now = host_.now_unix_ms() / 1000;
        if (token.value().expires_unix <= now)
            return Error::failed(failure_prefix(context) + "the token it issued expired " +
                                 std::to_string(now - token.value().expires_unix) + " s ago (expiresAt " +
                                 std::to_string(token.value().expires_unix) +
                                 "); check the node's clock (NTP)");

        Auth auth;
        auth.entries.push_back(
            {registry, std::move(token.value().username), std::move(token.value().password)});
        auth.expires_unix = token.value().expires_unix;
        return auth;
    }

    // The endpoint get_auth will call, from the registry host and the rule
    // alone: no credentials, no network.
    Result<std::string> describe(const AuthRequest &request) override {
        const std::string registry(request.registry);
        if (registry.empty()) return Error::failed("the request names no registry host");
        auto found = target_for(registry);
        if (!found.ok()) return found.error();
        const Target &target = found.value();
        const std::string api =
            std::string(target.is_public ? "ECR Public" : "ECR") + " GetAuthorizationToken";
        auto endpoint = endpoint_for(target);
        if (!endpoint.ok()) return endpoint.error();
        const auto &resolved = endpoint.value();
        std::string text = resolved.url + " (" + api + ", signed for " + resolved.signing_region + "/" +
                           resolved.signing_name + ", partition " + resolved.partition;
        if (!target.account.empty()) text += ", registry " + target.account;
        if (resolved.source != "default")
            text += ", URL from " + resolved.source;
        else if (target.fips || target.dualstack)
            text += std::string(", ") +
                    (target.fips ? (target.dualstack ? "FIPS dual-stack" : "FIPS") : "dual-stack") +
                    " as the registry host asks";
        if (!target.is_ecr_host) text += ", mirror of " + mirror_of_ + " as the rule's mirrorOf says";
        return text + ")";
    }

private:
    static pullcred::sdk::Status refuse_look_alike(const std::string &registry) {
        if (!pullcred::aws::looks_like_ecr_private_host(registry)) return pullcred::sdk::ok();
        return Error::failed(pullcred::text::quote_bounded(registry) +
                             " is not a valid Amazon ECR host: the registry id before .dkr.ecr must be a "
                             "12-digit account id, so aws.ecr refuses it rather than answer with the "
                             "token of the profile's own account");
    }

    static Target target_of(const pullcred::aws::EcrHost &ecr) {
        Target target;
        target.is_public = ecr.kind == pullcred::aws::EcrRegistryKind::public_registry;
        target.region = ecr.region; // ECR Public: us-east-1
        target.account = ecr.account_id;
        target.fips = ecr.fips;
        target.dualstack = ecr.dualstack;
        return target;
    }

    // An ECR host is its own target; any other host is a mirror of the rule's
    // mirrorOf, or gets nothing.
    Result<Target> target_for(const std::string &registry) const {
        if (auto refused = refuse_look_alike(registry); !refused.ok()) return refused.error();
        if (auto ecr = pullcred::aws::parse_ecr_host(registry)) {
            Target target = target_of(*ecr);
            target.is_ecr_host = true;
            if (mirror_ && ecr->host != mirror_->host)
                host_.debug(registry + " is an ECR host, so it gets its own token; the rule's mirrorOf " +
                            mirror_of_ + " applies to other hosts only");
            return target;
        }
        if (!mirror_)
            return Error::failed(
                pullcred::text::quote_bounded(registry) +
                " is not an Amazon ECR host and the rule declares no mirrorOf, so aws.ecr gives it no ECR "
                "token: narrow the rule's matchImages to ECR hosts (such as *.dkr.ecr.*.amazonaws.com), or, "
                "if it is a pull-through mirror, add `mirrorOf: <account>.dkr.ecr.<region>.amazonaws.com` "
                "(the ECR registry it mirrors) to the rule");
        return target_of(*mirror_);
    }

    // The endpoint for the target. A FIPS or dual-stack registry host asks for
    // the FIPS / dual-stack API, unless an endpoint URL is configured (rule
    // `endpoint` or AWS_ENDPOINT_URL*): then that URL wins, as it names the
    // exact endpoint to call.
    Result<pullcred::aws::Endpoint> endpoint_for(const Target &target) const {
        const std::string service = target.is_public ? "ecr-public" : "ecr";
        pullcred::aws::EndpointOptions options;
        options.env = pullcred::aws::host_env(host_);
        if (!endpoint_.empty()) options.endpoint_url = endpoint_;
        if (target.fips) options.use_fips = false;
        if (target.dualstack) options.use_dualstack = false;
        auto probe = pullcred::aws::resolve_endpoint(service, target.region, options);
        if (!probe) return Error::failed(probe.error().message);
        if (probe->source != "default" || (!target.fips && !target.dualstack)) {
            if (target.fips || target.dualstack)
                host_.debug("the registry host asks for a " +
                            std::string(target.fips ? (target.dualstack ? "FIPS dual-stack" : "FIPS")
                                                    : "dual-stack") +
                            " endpoint; using " + probe->source + " instead");
            return probe;
        }
        if (target.fips) options.use_fips = true;
        if (target.dualstack) options.use_dualstack = true;
        return pullcred::aws::resolve_endpoint(service, target.region, options);
    }

    Host host_;
    std::string mirror_of_;                        // rule `mirrorOf`, may be empty
    std::optional<pullcred::aws::EcrHost> mirror_; // mirrorOf, parsed
    std::string endpoint_;                         // rule `endpoint`, may be empty
};

} // namespace
} // namespace pullcred_ecr

PULLCRED_MODULE("registry-ecr", MODULE_VERSION,
                pullcred::sdk::registry_backend<pullcred_ecr::EcrBackend>("aws.ecr", pullcred_ecr::kSchema))
