#include "aws/sources/default_chain.hpp"

#include "aws/sources/container_credentials.hpp"
#include "aws/sources/instance_metadata.hpp"
#include "aws/sources/profile_chain.hpp"

namespace pullcred::aws::sources {

ChainStep choose_chain_step(const aws::EnvLookup &env, const aws::Profile &top) {
    if (aws::env_value(env, "AWS_ACCESS_KEY_ID") && aws::env_value(env, "AWS_SECRET_ACCESS_KEY"))
        return ChainStep::environment_keys;
    if (top.role_arn() && !top.web_identity_token_file()) return ChainStep::profile;
    if (aws::env_value(env, "AWS_WEB_IDENTITY_TOKEN_FILE")) return ChainStep::web_identity_env;
    if (defines_credentials(top)) return ChainStep::profile;
    if (container_endpoint(env)) return ChainStep::container;
    if (!instance_metadata_disabled(env)) return ChainStep::instance_metadata;
    return ChainStep::none;
}

std::string skipped_steps(const aws::EnvLookup &env, const aws::Profile &top) {
    auto paths = aws::shared_config_paths(env);
    const auto files = paths ? paths->config_file + " or " + paths->credentials_file
                             : std::string("~/.aws/config or ~/.aws/credentials");
    return "AWS_ACCESS_KEY_ID is not set, profile \"" + top.name() + "\" " +
           (top.empty() ? "is not in " + files : "in " + files + " defines no credentials");
}

std::string no_credentials_message(const aws::EnvLookup &env, const aws::Profile &top) {
    return "no AWS credentials: " + skipped_steps(env, top) +
           ", no AWS_CONTAINER_CREDENTIALS_* variable is set and EC2 instance metadata is off "
           "(AWS_EC2_METADATA_DISABLED): set AWS_PROFILE and AWS_CONFIG_FILE (or keys) in the kubelet "
           "provider's env";
}

} // namespace pullcred::aws::sources
