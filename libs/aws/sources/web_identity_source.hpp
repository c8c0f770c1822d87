// aws.web-identity: the credentials of an IAM role for a pod's service-account
// token (KEP-4412), by STS AssumeRoleWithWebIdentity. The host runs it for a
// rule whose serviceAccount names a role, and hands it the request's token
// through the ABI (pullcred_credentials_request.service_account_token).
#pragma once

#include <pullcred/module.h>

namespace pullcred::aws::sources {

const pullcred_factory *web_identity_source();

} // namespace pullcred::aws::sources
