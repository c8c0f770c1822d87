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

inline constexpr std::string_view kDefaultRoleAnnotation = "eks.amazonaws.com/ecr-role-arn";

struct ServiceAccountPlan {
    std::string role_arn;
    std::string identity; // who the token belongs to, for cache keys; never the token
};

// What to do with the request's service-account token under `rule`:
// nullopt = use the rule's profile (no token, or no role named and the rule
// does not require one); an Error when the rule requires a role and none is
// named. The role comes from the annotation (rule key
// serviceAccount.roleAnnotation, default eks.amazonaws.com/ecr-role-arn),
// then the rule's serviceAccount.roleArn, then $AWS_ECR_ROLE_ARN.
Result<std::optional<ServiceAccountPlan>> plan_service_account(const kubelet::Request &request,
                                                               const config::Rule &rule);

// The token's subject ("system:serviceaccount:NS:NAME") and uid claims when
// it is a JWT; otherwise a SHA-256 of the token (never the token itself).
std::string token_identity(std::string_view token);

} // namespace pullcred::request
