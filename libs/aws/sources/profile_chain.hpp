// Which credentials an AWS shared-config profile stands for, decided the
// way botocore decides (botocore/credentials.py, create_credential_resolver
// and AssumeRoleProvider), before anything is fetched:
//
// The selected profile:
//   1. role_arn (and no web_identity_token_file): assume the role, from
//      source_profile XOR credential_source (both, or neither, is an error).
//      It wins over static keys of the same profile.
//   2. otherwise the "profile providers", first that applies:
//      a. web_identity_token_file (+ role_arn, required): AssumeRoleWithWebIdentity
//      b. sso_account_id / sso_role_name: IAM Identity Center (sso_credentials.hpp)
//      c. aws_access_key_id / aws_secret_access_key from the credentials file
//      d. credential_process
//      e. aws_access_key_id / aws_secret_access_key from the config file
// A source_profile S of a role:
//   - S has static keys, or no role_arn: S's profile providers (2. above), so
//     static keys of a source profile end the chain even when it has a role;
//   - otherwise S's role, recursively (chains of any length).
// A source_profile already visited is a loop (reported with the chain),
// except a profile naming itself while it has static keys: then its own
// keys are the source (botocore allows exactly that).
// credential_source: `Environment` (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN), `EcsContainer` (container_credentials.hpp) or
// `Ec2InstanceMetadata` (instance_metadata.hpp); anything else is invalid.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "aws/profile/shared_config.hpp"
#include "aws/result.hpp"
#include "aws/sources/sso_credentials.hpp"

namespace pullcred::aws::sources {

struct RoleHop {
    std::string profile; // the profile that names the role
    std::string role_arn;
    std::optional<std::string> role_session_name;
    std::optional<std::string> external_id;
    std::optional<std::int64_t> duration_seconds;
};

enum class BaseKind {
    static_keys,        // base_profile's aws_access_key_id / aws_secret_access_key [/ aws_session_token]
    environment,        // credential_source = Environment
    credential_process, // base_profile's credential_process
    web_identity,       // base_profile's web_identity_token_file + role_arn
    sso,                // base_profile's IAM Identity Center role (ChainPlan::sso)
    container,          // credential_source = EcsContainer
    instance_metadata,  // credential_source = Ec2InstanceMetadata
};

struct ChainPlan {
    BaseKind base = BaseKind::static_keys;
    aws::Profile base_profile;
    std::vector<RoleHop> hops;      // AssumeRole calls, innermost (first to call) first
    std::vector<std::string> chain; // profile names from the selected one to the base
    SsoSettings sso;                // when base is sso
};

Result<ChainPlan> plan_profile(const aws::SharedConfig &files, std::string_view profile_name);

// "static keys", "credential_source = Environment", "credential_process",
// "web identity", ...
std::string base_kind_name(BaseKind kind);

// True when the profile has a key that a botocore credential provider acts
// on (role, web identity, SSO, static keys, credential_process); the default
// chain goes on to container and instance credentials past one that has none.
bool defines_credentials(const aws::Profile &profile);

} // namespace pullcred::aws::sources
