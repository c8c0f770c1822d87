// Which step of botocore's default credential chain serves a call
// (botocore/credentials.py, create_credential_resolver), first that applies:
//   1. environment keys      AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY
//   2. the profile's role    role_arn of the selected profile (AssumeRole)
//   3. web identity          AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN
//   4. the profile           web identity, SSO, static keys, credential_process
//   5. container             AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI
//   6. EC2 instance metadata unless AWS_EC2_METADATA_DISABLED=true
// The selected profile is AWS_PROFILE, AWS_DEFAULT_PROFILE or `default`; an
// absent `default` (or one without credential keys) passes on to 5 and 6, an
// absent profile that is named explicitly is an error.
#pragma once

#include <string>

#include "aws/profile/environment.hpp"
#include "aws/profile/shared_config.hpp"

namespace pullcred::aws::sources {

enum class ChainStep { environment_keys, web_identity_env, profile, container, instance_metadata, none };

ChainStep choose_chain_step(const aws::EnvLookup &env, const aws::Profile &top);

// What was passed over before container / instance metadata credentials:
// "AWS_ACCESS_KEY_ID is not set, profile \"default\" is not in A or B".
std::string skipped_steps(const aws::EnvLookup &env, const aws::Profile &top);

// The one-line error of ChainStep::none.
std::string no_credentials_message(const aws::EnvLookup &env, const aws::Profile &top);

} // namespace pullcred::aws::sources
