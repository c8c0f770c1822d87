// Built-in credential sources that resolve AWS's own configuration the way
// AWS SDKs (botocore) do:
//   aws.shared-config  a named profile of an AWS config/credentials file pair
//   aws.default-chain  environment keys, then the AWS_PROFILE profile (what
//                      the reference ECR credential provider does)
// A profile may hold static keys, credential_process (run by aws.process, or
// served natively by aws.roles-anywhere when it is `aws_signing_helper
// credential-process ...`), role_arn + source_profile / credential_source
// (STS AssumeRole chains) or web_identity_token_file + role_arn (STS
// AssumeRoleWithWebIdentity); profile_chain.hpp says which wins. A
// credential_process line runs in another module, through the host's
// credentials_from_source service.
#pragma once

#include <pullcred/module.h>

namespace pullcred::aws::sources {

const pullcred_factory *shared_config_source();
const pullcred_factory *default_chain_source();

} // namespace pullcred::aws::sources
