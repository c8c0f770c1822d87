// Built-in credential sources that resolve AWS's own configuration the way
// AWS SDKs do:
//   aws.shared-config  a named profile of an AWS config/credentials file pair
//   aws.default-chain  environment keys, then the AWS_PROFILE profile (what
//                      the reference ECR credential provider does)
// Static keys are served here; profiles that need another mechanism
// (credential_process, role_arn, web identity) are refused with a message
// that names the profile and the mechanism.
#pragma once

#include <pullcred/module.h>

namespace pullcred::sources {

// The descriptor of the built-in module, registered like any loaded module.
const pullcred_module *builtin_module();

} // namespace pullcred::sources
