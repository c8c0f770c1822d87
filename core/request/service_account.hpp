// Per-pod identity (KEP-4412): kubelet passes the pod's service-account
// token and allowed annotations; pullcred exchanges the token for the role
// the service account names (AssumeRoleWithWebIdentity) and pulls with it.
#pragma once

#include <optional>
#include <string>

#include "config/model.hpp"
#include "kubelet/protocol.hpp"
#include "util/result.hpp"

namespace pullcred::request {

struct ServiceAccountPlan {
    std::string role_arn; // empty when the token is forwarded to the backend
    std::string identity; // who the token belongs to, for cache keys; never the token
    bool forward_to_backend = false;
};

// What to do with the request's service-account token under `rule`:
// nullopt = use the rule's profile (no token, or no role named and the rule
// does not require one); an Error when the rule requires a role and none is
// named, or when the role named is not an IAM role ARN (checked here, before
// STS). The role comes from the annotation (rule key
// serviceAccount.roleAnnotation, default eks.amazonaws.com/ecr-role-arn),
// then the rule's serviceAccount.roleArn, then $AWS_ECR_ROLE_ARN.
// A request without a token under a rule that requires one is not planned
// here: see lacks_required_token. Under serviceAccount.forwardToBackend the
// token and annotations go to the rule's backend as they are (no STS).
Result<std::optional<ServiceAccountPlan>> plan_service_account(const kubelet::Request &request,
                                                               const config::Rule &rule);

// `rule` sets serviceAccount.required and kubelet sent no token (its provider
// config has no tokenAttributes): such a request gets no credentials at all,
// never the rule's profile's.
bool lacks_required_token(const kubelet::Request &request, const config::Rule &rule);
// The one line said on stderr for such a request: the rule and the fix.
std::string missing_token_note(const config::Rule &rule);

// arn:<partition>:iam::<12 digits>:role/<path/><name>, with IAM's rules for
// the partition, the characters ([A-Za-z0-9_+=,.@-]) and the lengths (name
// <= 64, path <= 512).
bool is_iam_role_arn(std::string_view text);

// The token's subject ("system:serviceaccount:NS:NAME") and uid claims when
// it is a JWT; otherwise a SHA-256 of the token (never the token itself).
std::string token_identity(std::string_view token);

} // namespace pullcred::request
