#include "aws/sources/aws_shared_config.hpp"

#include <map>
#include <memory>
#include <pullcred/module.hpp>

#include "aws/endpoints/endpoint.hpp"
#include "aws/profile/environment.hpp"
#include "aws/profile/region.hpp"
#include "aws/profile/shared_config.hpp"
#include "aws/sources/container_credentials.hpp"
#include "aws/sources/default_chain.hpp"
#include "aws/sources/instance_metadata.hpp"
#include "aws/sources/profile_chain.hpp"
#include "aws/sources/secrets.hpp"
#include "aws/sources/signing_helper.hpp"
#include "aws/sources/sts.hpp"

namespace pullcred::aws::sources {

namespace {

using sdk::Credentials;
using sdk::CredentialsRequest;

constexpr const char *kSharedConfigSchema = R"({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "configFile": {"type": "string", "minLength": 1},
    "credentialsFile": {"type": "string", "minLength": 1},
    "profile": {"type": "string", "minLength": 1},
    "region": {"type": "string", "minLength": 1},
    "nativeSigningHelper": {
      "description": "Serve `credential_process = aws_signing_helper credential-process ...` with aws.roles-anywhere instead of spawning it (default: settings.nativeSigningHelper, true).",
      "type": "boolean"
    }
  }
})";

constexpr const char *kDefaultChainSchema = R"({"type": "object", "additionalProperties": false,
  "properties": {"region": {"type": "string", "minLength": 1},
                 "nativeSigningHelper": {"type": "boolean"}}})";

constexpr std::size_t kMaxWebIdentityToken = std::size_t{64} * 1024;

// Overlays the file paths a config names on the process environment.
aws::EnvLookup environment_with(const std::string &config_file, const std::string &credentials_file,
                                const aws::EnvLookup &base) {
    return [=](std::string_view name) -> std::optional<std::string> {
        if (name == "AWS_CONFIG_FILE" && !config_file.empty()) return config_file;
        if (name == "AWS_SHARED_CREDENTIALS_FILE" && !credentials_file.empty()) return credentials_file;
        return base(name);
    };
}

// Whether `aws_signing_helper credential-process` lines are served by
// aws.roles-anywhere (the default) instead of spawned.
bool native_signing_helper(const sdk::Config &config) {
    auto it = config.find("nativeSigningHelper");
    if (it == config.end()) return true;
    if (!it->is_boolean()) throw sdk::ConfigError("nativeSigningHelper must be true or false");
    return it->get<bool>();
}

std::string q_name(std::string_view name) {
    return "\"" + std::string(name) + "\"";
}

// Reads the web identity token, surrounding blanks removed (a JWT has none).
// Messages name the file, never the token.
Result<std::string> read_token(const sdk::Host &host, const std::string &path, const std::string &what) {
    auto read = host.read_file(path);
    if (!read.ok()) return Error::failed(what + ": web_identity_token_file: " + read.error().message);
    if (!read.value()) return Error::failed(what + ": web_identity_token_file " + path + " does not exist");
    std::string token = std::move(*read.value());
    if (token.size() > kMaxWebIdentityToken)
        return Error::failed(what + ": web_identity_token_file " + path + " is larger than " +
                             std::to_string(kMaxWebIdentityToken) + " bytes");
    const auto first = token.find_first_not_of(" \t\r\n");
    if (first == std::string::npos)
        return Error::failed(what + ": web_identity_token_file " + path + " is empty");
    token = token.substr(first, token.find_last_not_of(" \t\r\n") - first + 1);
    report_secret(token);
    return token;
}

// Resolves one profile of a pair of files, from the plan to the last hop.
class ProfileResolver {
public:
    ProfileResolver(sdk::Host host, aws::EnvLookup env, std::string region, bool native_signing_helper)
        : host_(host), env_(std::move(env)), region_(std::move(region)),
          native_signing_helper_(native_signing_helper) {}

    // `top` is the selected profile (region, STS endpoint settings).
    Result<Credentials> resolve(const ChainPlan &plan, const aws::Profile &top,
                                std::string_view region_hint) {
        const auto who = "AWS profile " + q_name(top.name());
        if (plan.chain.size() > 1 || !plan.hops.empty()) {
            std::string chain;
            for (auto it = plan.chain.rbegin(); it != plan.chain.rend(); ++it)
                chain += (chain.empty() ? "" : " -> ") + *it;
            host_.debug(who + ": " + base_kind_name(plan.base) + " of " + q_name(plan.base_profile.name()) +
                        ", then " + std::to_string(plan.hops.size()) + " AssumeRole (" + chain + ")");
        }
        std::optional<aws::Endpoint> endpoint;
        auto sts_endpoint = [&]() -> Result<aws::Endpoint> {
            if (endpoint) return *endpoint;
            auto region = sts_region(top);
            aws::EndpointOptions options;
            options.profile = &top;
            options.env = env_;
            auto resolved = aws::resolve_endpoint("sts", region, options);
            if (!resolved) return Error::failed(who + ": STS endpoint: " + resolved.error().message);
            endpoint = *resolved;
            return *endpoint;
        };

        auto credentials = base(plan, who, region_hint, sts_endpoint);
        if (!credentials.ok()) return credentials;
        for (const auto &hop : plan.hops) {
            auto resolved = sts_endpoint();
            if (!resolved.ok()) return resolved.error();
            sts::RoleRequest request{hop.role_arn, hop.role_session_name.value_or(default_session_name()),
                                     hop.external_id, hop.duration_seconds};
            const auto what = who + ": AssumeRole of " + hop.role_arn + " (role_arn of profile " +
                              q_name(hop.profile) + ")";
            host_.debug(what + " at " + resolved.value().url);
            auto assumed = sts::assume_role(host_, resolved.value(), credentials.value(), request, what);
            if (!assumed.ok()) return assumed;
            credentials = std::move(assumed);
        }
        auto &out = credentials.value();
        if (!region_.empty())
            out.fields[PULLCRED_FIELD_REGION] = region_;
        else if (auto region = aws::resolve_region(env_, &top))
            out.fields[PULLCRED_FIELD_REGION] = region->region;
        return credentials;
    }

private:
    template <class EndpointFn>
    Result<Credentials> base(const ChainPlan &plan, const std::string &who, std::string_view region_hint,
                             EndpointFn &sts_endpoint) {
        const auto &profile = plan.base_profile;
        switch (plan.base) {
        case BaseKind::static_keys: {
            Credentials credentials;
            credentials.fields[PULLCRED_FIELD_ACCESS_KEY_ID] = profile.aws_access_key_id().value_or("");
            credentials.fields[PULLCRED_FIELD_SECRET_ACCESS_KEY] =
                profile.aws_secret_access_key().value_or("");
            if (auto token = profile.aws_session_token())
                credentials.fields[PULLCRED_FIELD_SESSION_TOKEN] = *token;
            return credentials;
        }
        case BaseKind::environment: {
            auto key_id = aws::env_value(env_, "AWS_ACCESS_KEY_ID");
            auto secret = aws::env_value(env_, "AWS_SECRET_ACCESS_KEY");
            if (!key_id || !secret)
                return Error::failed("AWS profile " + q_name(profile.name()) +
                                     " has credential_source = Environment, but " +
                                     (!key_id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY") +
                                     " is not set in pullcred's environment");
            Credentials credentials;
            credentials.fields[PULLCRED_FIELD_ACCESS_KEY_ID] = *key_id;
            credentials.fields[PULLCRED_FIELD_SECRET_ACCESS_KEY] = *secret;
            if (auto token = aws::env_value(env_, "AWS_SESSION_TOKEN"))
                credentials.fields[PULLCRED_FIELD_SESSION_TOKEN] = *token;
            return credentials;
        }
        case BaseKind::credential_process:
            return process(profile, region_hint);
        case BaseKind::web_identity: {
            auto resolved = sts_endpoint();
            if (!resolved.ok()) return resolved.error();
            const auto role_arn = profile.role_arn().value_or("");
            const auto what = who + ": AssumeRoleWithWebIdentity of " + role_arn + " (profile " +
                              q_name(profile.name()) + ")";
            auto token = read_token(host_, profile.web_identity_token_file().value_or(""), what);
            if (!token.ok()) return token.error();
            auto duration = profile.duration_seconds();
            if (!duration) return Error::failed(duration.error().message);
            sts::RoleRequest request{role_arn, profile.role_session_name().value_or(default_session_name()),
                                     std::nullopt, *duration};
            host_.debug(what + " at " + resolved.value().url);
            return sts::assume_role_with_web_identity(host_, resolved.value(), request, token.value(), what);
        }
        case BaseKind::sso:
            return fetch_sso_credentials(host_, env_, plan.sso);
        case BaseKind::container: {
            auto credentials = fetch_container_credentials(host_, env_);
            if (credentials.ok() || (plan.chain.size() == 1 && plan.hops.empty())) return credentials;
            return credentials.error().with_message(
                "AWS profile " + q_name(profile.name()) +
                " (credential_source = EcsContainer): " + credentials.error().message);
        }
        case BaseKind::instance_metadata: {
            auto credentials = fetch_instance_metadata_credentials(host_, env_);
            if (credentials.ok() || (plan.chain.size() == 1 && plan.hops.empty())) return credentials;
            return credentials.error().with_message(
                "AWS profile " + q_name(profile.name()) +
                " (credential_source = Ec2InstanceMetadata): " + credentials.error().message);
        }
        }
        return Error::failed(who + ": unknown credential mechanism");
    }

    Result<Credentials> process(const aws::Profile &profile, std::string_view region_hint) {
        const auto command = profile.credential_process().value_or("");
        const auto who = "AWS profile " + q_name(profile.name());
        const auto helper = parse_signing_helper_command(command);
        if (helper.kind == SigningHelperCommand::Kind::native) {
            if (!native_signing_helper_) {
                host_.info(who + ": nativeSigningHelper is off: spawning credential_process");
            } else {
                auto served = run_wrapped(
                    "aws.roles-anywhere", helper.config,
                    who + ": credential_process (aws_signing_helper, served by aws.roles-anywhere)",
                    profile.name(), region_hint);
                if (served.ok() || served.error().code != ErrorCode::not_applicable) {
                    host_.info(who +
                               ": credential_process `aws_signing_helper credential-process` served natively "
                               "by aws.roles-anywhere (nothing spawned)");
                    return served;
                }
                host_.info(who + ": no module provides aws.roles-anywhere: spawning credential_process");
            }
        } else if (helper.kind == SigningHelperCommand::Kind::spawn) {
            host_.info(who + ": aws_signing_helper credential-process: " + helper.reason +
                       ", so it is not served natively: spawning credential_process");
        } else {
            host_.info(who + ": spawning credential_process");
        }
        auto spawned = run_wrapped("aws.process", {{"command", command}, {"profileName", profile.name()}},
                                   who + ": credential_process", profile.name(), region_hint);
        if (spawned.ok() || spawned.error().code != ErrorCode::not_applicable) return spawned;
        return Error::failed(who + " uses credential_process, but no module provides aws.process "
                                   "(the source-process module): install it, or run `pullcred modules`");
    }

    // Credentials from another source module, run by the host for this one.
    // not_applicable: no module provides `factory`.
    Result<Credentials> run_wrapped(std::string_view factory, const nlohmann::json &config,
                                    const std::string &what, const std::string &profile_name,
                                    std::string_view region_hint) {
        auto credentials = host_.credentials_from(factory, config, {profile_name, region_hint, {}});
        if (credentials.ok() || credentials.error().code == ErrorCode::not_applicable) return credentials;
        return credentials.error().with_message(what + ": " + credentials.error().message);
    }

    // Region of the STS calls: the source's `region`, else AWS_REGION,
    // AWS_DEFAULT_REGION, the selected profile's region, else us-east-1 (as
    // botocore, whose STS client falls back to the global endpoint, which is
    // us-east-1).
    [[nodiscard]] std::string sts_region(const aws::Profile &top) const {
        if (!region_.empty()) return region_;
        if (auto region = aws::resolve_region(env_, &top)) return region->region;
        return "us-east-1";
    }

    [[nodiscard]] std::string default_session_name() const {
        return "pullcred-" + std::to_string(host_.now_unix_ms() / 1000);
    }

    sdk::Host host_;
    aws::EnvLookup env_;
    std::string region_;
    bool native_signing_helper_;
};

Result<aws::SharedConfig> load_files(const aws::EnvLookup &env, const aws::FileReader &read = {}) {
    auto paths = aws::shared_config_paths(env);
    if (!paths) return Error::failed(paths.error().message);
    auto files = aws::SharedConfig::load(*paths, read);
    if (!files) return Error::failed(files.error().message);
    return std::move(*files);
}

// How a profile of `source` resolves, for `pullcred explain` (the sources'
// describe), without fetching anything or printing a secret: the profile
// chain, its base (static keys, credential_process and whether it is served
// natively, web identity...) and the roles assumed.
Result<std::string> describe_resolution(std::string_view source, const nlohmann::json &settings);

// A built-in source's describe, from its settings.
Result<std::string> describe_settings(std::string_view source, const sdk::Config &settings) {
    auto text = describe_resolution(source, settings);
    if (!text) return Error::failed(text.error().message);
    return *text;
}

class SharedConfigSource final : public sdk::CredentialSource {
public:
    SharedConfigSource(sdk::Host host, const sdk::Config &config)
        : host_(host), env_(environment_with(config.value("configFile", ""),
                                             config.value("credentialsFile", ""), aws::host_env(host_))),
          profile_(config.value("profile", "")),
          resolver_(host, env_, config.value("region", ""), native_signing_helper(config)),
          settings_(config) {}

    Result<std::string> describe(const CredentialsRequest & /*request*/) override {
        return describe_settings("aws.shared-config", settings_);
    }

    Result<Credentials> get_credentials(const CredentialsRequest &request) override {
        auto files = load_files(env_, aws::host_files(host_));
        if (!files.ok()) return files.error();
        const auto name = profile_.empty() ? aws::selected_profile_name(env_) : profile_;
        auto plan = plan_profile(files.value(), name);
        if (!plan) return Error::failed(plan.error().message);
        auto top = files.value().profile(name);
        if (!top) return Error::failed(top.error().message);
        return resolver_.resolve(*plan, *top, request.region_hint);
    }

private:
    sdk::Host host_;
    aws::EnvLookup env_;
    std::string profile_;
    ProfileResolver resolver_;
    sdk::Config settings_;
};

class DefaultChainSource final : public sdk::CredentialSource {
public:
    DefaultChainSource(sdk::Host host, const sdk::Config &config)
        : host_(host), env_(aws::host_env(host_)), region_(config.value("region", "")),
          resolver_(host, env_, region_, native_signing_helper(config)), settings_(config) {}

    Result<std::string> describe(const CredentialsRequest & /*request*/) override {
        return describe_settings("aws.default-chain", settings_);
    }

    Result<Credentials> get_credentials(const CredentialsRequest &request) override {
        const auto name = aws::selected_profile_name(env_);
        aws::Profile top(name);
        if (!environment_keys()) {
            auto files = load_files(env_, aws::host_files(host_));
            if (!files.ok()) return files.error();
            top = files.value().profile_or_empty(name);
            if (top.empty() && explicitly_selected())
                return Error::failed(files.value().profile(name).error().message);
            files_ = std::move(files.value());
        }
        ChainPlan plan;
        plan.base_profile = top;
        plan.chain = {name};
        switch (choose_chain_step(env_, top)) {
        case ChainStep::environment_keys:
            return from_environment();
        case ChainStep::web_identity_env: {
            auto role_arn = aws::env_value(env_, "AWS_ROLE_ARN");
            if (!role_arn)
                return Error::failed(
                    "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not: set the role "
                    "to assume with the web identity token");
            aws::Profile from_env(name);
            for (const auto &[key, value] : top.values()) from_env.set(key, value, top.origin(key));
            from_env.set("web_identity_token_file", *aws::env_value(env_, "AWS_WEB_IDENTITY_TOKEN_FILE"),
                         "AWS_WEB_IDENTITY_TOKEN_FILE");
            from_env.set("role_arn", *role_arn, "AWS_ROLE_ARN");
            if (auto session = aws::env_value(env_, "AWS_ROLE_SESSION_NAME"))
                from_env.set("role_session_name", *session, "AWS_ROLE_SESSION_NAME");
            plan.base = BaseKind::web_identity;
            plan.base_profile = from_env;
            host_.debug("credentials from AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN");
            return resolver_.resolve(plan, from_env, request.region_hint);
        }
        case ChainStep::profile: {
            auto planned = plan_profile(*files_, name);
            if (!planned) return Error::failed(planned.error().message);
            host_.debug("credentials from AWS profile \"" + name + "\"");
            return resolver_.resolve(*planned, top, request.region_hint);
        }
        case ChainStep::container:
            plan.base = BaseKind::container;
            return resolver_.resolve(plan, top, request.region_hint);
        case ChainStep::instance_metadata: {
            plan.base = BaseKind::instance_metadata;
            auto credentials = resolver_.resolve(plan, top, request.region_hint);
            if (credentials.ok()) return credentials;
            // botocore's chain ends with IMDS: its failure is the chain's.
            return credentials.error().with_message(
                "no AWS credentials: " + skipped_steps(env_, top) +
                ", no AWS_CONTAINER_CREDENTIALS_* variable is set (set AWS_PROFILE and "
                "AWS_CONFIG_FILE, or keys, in the kubelet provider's env), and " +
                credentials.error().message);
        }
        case ChainStep::none:
            break;
        }
        return Error::failed(no_credentials_message(env_, top));
    }

private:
    [[nodiscard]] bool environment_keys() const {
        return aws::env_value(env_, "AWS_ACCESS_KEY_ID") && aws::env_value(env_, "AWS_SECRET_ACCESS_KEY");
    }
    [[nodiscard]] bool explicitly_selected() const { return aws::selected_profile_name(env_) != "default"; }

    Result<Credentials> from_environment() {
        host_.debug("credentials from the environment (AWS_ACCESS_KEY_ID)");
        Credentials credentials;
        credentials.fields[PULLCRED_FIELD_ACCESS_KEY_ID] = *aws::env_value(env_, "AWS_ACCESS_KEY_ID");
        credentials.fields[PULLCRED_FIELD_SECRET_ACCESS_KEY] = *aws::env_value(env_, "AWS_SECRET_ACCESS_KEY");
        if (auto token = aws::env_value(env_, "AWS_SESSION_TOKEN"))
            credentials.fields[PULLCRED_FIELD_SESSION_TOKEN] = *token;
        if (auto region = aws::resolve_region(env_, nullptr))
            credentials.fields[PULLCRED_FIELD_REGION] = region->region;
        if (!region_.empty()) credentials.fields[PULLCRED_FIELD_REGION] = region_;
        return credentials;
    }

    sdk::Host host_;
    aws::EnvLookup env_;
    std::string region_;
    ProfileResolver resolver_;
    std::optional<aws::SharedConfig> files_;
    sdk::Config settings_;
};

} // namespace

namespace {
std::string describe_container(const aws::EnvLookup &env) {
    auto endpoint = container_endpoint(env);
    if (!endpoint) return "container credentials, but no AWS_CONTAINER_CREDENTIALS_* variable is set";
    return "container credentials (ECS / EKS Pod Identity) from host " + container_url_host(endpoint->url) +
           " (" + endpoint->variable + ")";
}

std::string describe_instance_metadata(const aws::EnvLookup &env) {
    if (instance_metadata_disabled(env)) return "EC2 instance metadata, but AWS_EC2_METADATA_DISABLED is set";
    return "EC2 instance metadata (IMDSv2) at " + instance_metadata_endpoint(env);
}

std::string describe_base(const ChainPlan &plan, bool native_signing_helper, const aws::EnvLookup &env) {
    if (plan.base == BaseKind::sso)
        return "IAM Identity Center (SSO) role " + plan.sso.role_name + " in account " + plan.sso.account_id +
               " (token cache ~/.aws/sso/cache/" + sso_cache_file_name(plan.sso) + ", from " +
               (plan.sso.session_name ? "sso-session " + q_name(*plan.sso.session_name)
                                      : std::string("sso_start_url")) +
               ")";
    if (plan.base == BaseKind::container)
        return "credential_source = EcsContainer: " + describe_container(env);
    if (plan.base == BaseKind::instance_metadata)
        return "credential_source = Ec2InstanceMetadata: " + describe_instance_metadata(env);
    if (plan.base != BaseKind::credential_process) return base_kind_name(plan.base);
    const auto helper = parse_signing_helper_command(plan.base_profile.credential_process().value_or(""));
    switch (helper.kind) {
    case SigningHelperCommand::Kind::native:
        return native_signing_helper
                   ? "credential_process `aws_signing_helper credential-process`, served natively by "
                     "aws.roles-anywhere (nothing spawned)"
                   : "credential_process `aws_signing_helper credential-process`, spawned "
                     "(nativeSigningHelper is off)";
    case SigningHelperCommand::Kind::spawn:
        return "credential_process `aws_signing_helper credential-process`, spawned (" + helper.reason + ")";
    case SigningHelperCommand::Kind::other:
        break;
    }
    return "credential_process, spawned by aws.process";
}

Result<std::string> describe_plan(const aws::EnvLookup &env, const std::string &profile,
                                  bool native_signing_helper) {
    auto files = load_files(env);
    if (!files.ok()) return Error::failed(files.error().message);
    const auto name = profile.empty() ? aws::selected_profile_name(env) : profile;
    auto plan = plan_profile(files.value(), name);
    if (!plan) return plan.error();
    std::string text = "AWS profile " + q_name(name);
    for (std::size_t i = 1; i < plan->chain.size(); ++i) text += " <- " + q_name(plan->chain[i]);
    text += ": " + describe_base(*plan, native_signing_helper, env);
    for (const auto &hop : plan->hops) text += ", then AssumeRole " + hop.role_arn;
    return text;
}

Result<std::string> describe_resolution(std::string_view source, const nlohmann::json &settings) {
    const auto native = settings.value("nativeSigningHelper", true);
    if (source == "aws.shared-config")
        return describe_plan(environment_with(settings.value("configFile", ""),
                                              settings.value("credentialsFile", ""), aws::process_env()),
                             settings.value("profile", ""), native);
    if (source != "aws.default-chain") return "by the " + std::string(source) + " module";
    const auto env = aws::process_env();
    const auto name = aws::selected_profile_name(env);
    aws::Profile top(name);
    if (!(aws::env_value(env, "AWS_ACCESS_KEY_ID") && aws::env_value(env, "AWS_SECRET_ACCESS_KEY"))) {
        auto files = load_files(env);
        if (!files.ok()) return Error::failed(files.error().message);
        top = files.value().profile_or_empty(name);
        if (top.empty() && name != "default") return files.value().profile(name).error();
    }
    switch (choose_chain_step(env, top)) {
    case ChainStep::environment_keys:
        return std::string("keys from the environment (AWS_ACCESS_KEY_ID)");
    case ChainStep::web_identity_env:
        return "web identity from AWS_WEB_IDENTITY_TOKEN_FILE, role " +
               aws::env_value(env, "AWS_ROLE_ARN").value_or("(AWS_ROLE_ARN is not set)");
    case ChainStep::profile:
        return describe_plan(env, "", native);
    case ChainStep::container:
        return skipped_steps(env, top) + ": " + describe_container(env);
    case ChainStep::instance_metadata:
        return skipped_steps(env, top) +
               ", no AWS_CONTAINER_CREDENTIALS_* variable is set: " + describe_instance_metadata(env);
    case ChainStep::none:
        break;
    }
    return Error::failed(no_credentials_message(env, top));
}

} // namespace

const pullcred_factory *shared_config_source() {
    return sdk::credential_source<SharedConfigSource>("aws.shared-config", kSharedConfigSchema);
}

const pullcred_factory *default_chain_source() {
    return sdk::credential_source<DefaultChainSource>("aws.default-chain", kDefaultChainSchema);
}

} // namespace pullcred::aws::sources
