#include "sources/aws_shared_config.hpp"

#include <pullcred/module.hpp>

#include "aws/profile/environment.hpp"
#include "aws/profile/region.hpp"
#include "aws/profile/shared_config.hpp"

namespace pullcred::sources {

namespace {

using sdk::Credentials;
using sdk::CredentialsRequest;
using sdk::Status;

constexpr const char *kSharedConfigSchema = R"({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "configFile": {"type": "string", "minLength": 1},
    "credentialsFile": {"type": "string", "minLength": 1},
    "profile": {"type": "string", "minLength": 1},
    "region": {"type": "string", "minLength": 1}
  }
})";

constexpr const char *kDefaultChainSchema = R"({"type": "object", "additionalProperties": false,
  "properties": {"region": {"type": "string", "minLength": 1}}})";

// Overlays the file paths a config names on the process environment.
aws::EnvLookup environment_with(std::string config_file, std::string credentials_file) {
    auto process = aws::process_env();
    return [=](std::string_view name) -> std::optional<std::string> {
        if (name == "AWS_CONFIG_FILE" && !config_file.empty()) return config_file;
        if (name == "AWS_SHARED_CREDENTIALS_FILE" && !credentials_file.empty()) return credentials_file;
        return process(name);
    };
}

std::string mechanism_of(const aws::Profile &profile) {
    if (profile.credential_process()) return "credential_process";
    if (profile.web_identity_token_file()) return "web_identity_token_file";
    if (profile.role_arn()) return "role_arn";
    return {};
}

sdk::Result<Credentials> static_keys_of(const aws::Profile &profile, const aws::SharedConfigPaths &paths,
                                        const aws::EnvLookup &env, const std::string &region_override) {
    const auto where = "AWS profile \"" + profile.name() + "\" (" + paths.config_file + ", " +
                       paths.credentials_file + ")";
    auto key_id = profile.aws_access_key_id();
    auto secret = profile.aws_secret_access_key();
    if (!key_id || !secret) {
        const auto mechanism = mechanism_of(profile);
        if (!mechanism.empty())
            return Status::failed(where + " uses " + mechanism + ", which aws.shared-config does not serve yet");
        return Status::failed(where + " has no aws_access_key_id and aws_secret_access_key");
    }
    Credentials credentials;
    credentials.fields["access_key_id"] = *key_id;
    credentials.fields["secret_access_key"] = *secret;
    if (auto token = profile.aws_session_token()) credentials.fields["session_token"] = *token;
    if (!region_override.empty()) credentials.fields["region"] = region_override;
    else if (auto region = aws::resolve_region(env, &profile)) credentials.fields["region"] = region->region;
    return credentials;
}

class SharedConfigSource final : public sdk::CredentialSource {
public:
    SharedConfigSource(sdk::Host /*host*/, const sdk::Config &config)
        : env_(environment_with(config.value("configFile", ""), config.value("credentialsFile", ""))),
          profile_(config.value("profile", "")), region_(config.value("region", "")) {}

    sdk::Result<Credentials> get_credentials(const CredentialsRequest & /*request*/) override {
        auto paths = aws::shared_config_paths(env_);
        if (!paths) return Status::failed(paths.error().message);
        auto files = aws::SharedConfig::load(*paths);
        if (!files) return Status::failed(files.error().message);
        const auto name = profile_.empty() ? aws::selected_profile_name(env_) : profile_;
        auto profile = files->profile(name);
        if (!profile) return Status::failed(profile.error().message);
        return static_keys_of(*profile, *paths, env_, region_);
    }

private:
    aws::EnvLookup env_;
    std::string profile_;
    std::string region_;
};

class DefaultChainSource final : public sdk::CredentialSource {
public:
    DefaultChainSource(sdk::Host host, const sdk::Config &config)
        : host_(host), env_(aws::process_env()), region_(config.value("region", "")) {}

    sdk::Result<Credentials> get_credentials(const CredentialsRequest & /*request*/) override {
        auto key_id = aws::env_value(env_, "AWS_ACCESS_KEY_ID");
        auto secret = aws::env_value(env_, "AWS_SECRET_ACCESS_KEY");
        if (key_id && secret) {
            host_.debug("credentials from the environment (AWS_ACCESS_KEY_ID)");
            Credentials credentials;
            credentials.fields["access_key_id"] = *key_id;
            credentials.fields["secret_access_key"] = *secret;
            if (auto token = aws::env_value(env_, "AWS_SESSION_TOKEN")) credentials.fields["session_token"] = *token;
            if (auto region = aws::resolve_region(env_, nullptr)) credentials.fields["region"] = region->region;
            if (!region_.empty()) credentials.fields["region"] = region_;
            return credentials;
        }
        auto paths = aws::shared_config_paths(env_);
        if (!paths) return Status::failed(paths.error().message);
        auto profile = aws::load_selected_profile(env_);
        if (!profile) return Status::failed(profile.error().message);
        if (profile->empty())
            return Status::failed("no AWS credentials: AWS_ACCESS_KEY_ID is not set and profile \"" +
                                  aws::selected_profile_name(env_) + "\" is not in " + paths->config_file +
                                  " or " + paths->credentials_file +
                                  " (set AWS_PROFILE and AWS_CONFIG_FILE in the kubelet provider's env)");
        host_.debug("credentials from AWS profile \"" + profile->name() + "\"");
        return static_keys_of(*profile, *paths, env_, region_);
    }

private:
    sdk::Host host_;
    aws::EnvLookup env_;
    std::string region_;
};

} // namespace

const pullcred_module *builtin_module() {
    static const pullcred_factory *const factories[] = {
        sdk::credential_source<SharedConfigSource>("aws.shared-config", kSharedConfigSchema),
        sdk::credential_source<DefaultChainSource>("aws.default-chain", kDefaultChainSchema),
    };
    static const pullcred_module module{sizeof(pullcred_module), PULLCRED_ABI_MAJOR, PULLCRED_ABI_MINOR,
                                        "builtin", PULLCRED_VERSION, std::size(factories), factories};
    return &module;
}

} // namespace pullcred::sources
