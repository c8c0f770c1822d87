// Built-in credential sources that resolve AWS's own configuration the way
// AWS SDKs (botocore) do:
//   aws.shared-config  a named profile of an AWS config/credentials file pair
//   aws.default-chain  environment keys, then the AWS_PROFILE profile (what
//                      the reference ECR credential provider does)
// A profile may hold static keys, credential_process (run by aws.process, or
// served natively by aws.roles-anywhere when it is `aws_signing_helper
// credential-process ...`), role_arn + source_profile / credential_source
// (STS AssumeRole chains) or web_identity_token_file + role_arn (STS
// AssumeRoleWithWebIdentity); profile_chain.hpp says which wins.
#pragma once

#include <nlohmann/json.hpp>
#include <pullcred/module.h>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace pullcred::sources {

// The descriptor of the built-in module, registered like any loaded module.
const pullcred_module *builtin_module();

} // namespace pullcred::sources
