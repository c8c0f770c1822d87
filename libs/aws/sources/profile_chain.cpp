#include "aws/sources/profile_chain.hpp"

#include <algorithm>

namespace pullcred::aws::sources {

namespace {

std::string q_name(std::string_view name) {
    return "\"" + std::string(name) + "\"";
}

std::string files_of(const aws::SharedConfig &files) {
    const auto &paths = files.paths();
    return paths.config_file + ", " + paths.credentials_file;
}

std::string chain_text(const std::vector<std::string> &chain) {
    std::string out;
    for (const auto &name : chain) out += (out.empty() ? "" : " -> ") + name;
    return out;
}

bool has_static_keys(const aws::Profile &profile) {
    return profile.aws_access_key_id() || profile.aws_secret_access_key();
}

// role_arn without web_identity_token_file (botocore's _has_assume_role_config_vars).
bool has_role(const aws::Profile &profile) {
    return profile.role_arn() && !profile.web_identity_token_file();
}

Status check_static_keys(const aws::Profile &profile, const aws::SharedConfig &files) {
    const char *missing = !profile.aws_access_key_id()       ? "aws_access_key_id"
                          : !profile.aws_secret_access_key() ? "aws_secret_access_key"
                                                             : nullptr;
    if (missing == nullptr) return ok();
    return Error::failed(
        "AWS profile " + q_name(profile.name()) + " (" + files_of(files) + ") has " +
        (missing == std::string_view("aws_access_key_id") ? "aws_secret_access_key" : "aws_access_key_id") +
        " but no " + missing);
}

Result<RoleHop> hop_of(const aws::Profile &profile) {
    RoleHop hop;
    hop.profile = profile.name();
    hop.role_arn = *profile.role_arn();
    hop.role_session_name = profile.role_session_name();
    hop.external_id = profile.external_id();
    auto duration = profile.duration_seconds();
    if (!duration) return duration.error();
    hop.duration_seconds = *duration;
    return hop;
}

// botocore's profile providers (web identity, SSO, credentials-file keys,
// credential_process, config-file keys) for one profile.
Status profile_providers(const aws::Profile &profile, const aws::SharedConfig &files, ChainPlan &plan) {
    plan.base_profile = profile;
    if (profile.web_identity_token_file()) {
        if (!profile.role_arn())
            return Error::failed("AWS profile " + q_name(profile.name()) + " (" + files_of(files) +
                                 ") has web_identity_token_file but no role_arn: add the role to assume");
        plan.base = BaseKind::web_identity;
        return ok();
    }
    if (uses_sso(profile)) {
        auto settings = sso_settings(profile, files);
        if (!settings) return settings.error();
        plan.base = BaseKind::sso;
        plan.sso = std::move(*settings);
        return ok();
    }
    const auto &credentials_file = files.paths().credentials_file;
    const bool keys_in_credentials_file =
        has_static_keys(profile) && !credentials_file.empty() &&
        (profile.origin("aws_access_key_id") == credentials_file ||
         (!profile.aws_access_key_id() && profile.origin("aws_secret_access_key") == credentials_file));
    if (keys_in_credentials_file || (has_static_keys(profile) && !profile.credential_process())) {
        if (auto checked = check_static_keys(profile, files); !checked) return checked;
        plan.base = BaseKind::static_keys;
        return ok();
    }
    if (profile.credential_process()) {
        plan.base = BaseKind::credential_process;
        return ok();
    }
    if (profile.role_arn())
        return Error::failed("AWS profile " + q_name(profile.name()) + " (" + files_of(files) +
                             ") has role_arn but neither source_profile nor credential_source");
    return Error::failed(
        "AWS profile " + q_name(profile.name()) + " (" + files_of(files) +
        ") has no credentials: none of aws_access_key_id + aws_secret_access_key, credential_process, "
        "role_arn + source_profile / credential_source, web_identity_token_file + role_arn");
}

} // namespace

std::string base_kind_name(BaseKind kind) {
    switch (kind) {
    case BaseKind::static_keys:
        return "static keys";
    case BaseKind::environment:
        return "credential_source = Environment";
    case BaseKind::credential_process:
        return "credential_process";
    case BaseKind::web_identity:
        return "web identity";
    case BaseKind::sso:
        return "IAM Identity Center (SSO)";
    case BaseKind::container:
        return "credential_source = EcsContainer (container credentials)";
    case BaseKind::instance_metadata:
        return "credential_source = Ec2InstanceMetadata (EC2 instance metadata)";
    }
    return "?";
}

bool defines_credentials(const aws::Profile &profile) {
    return profile.role_arn() || profile.web_identity_token_file() || uses_sso(profile) ||
           has_static_keys(profile) || profile.credential_process();
}

Result<ChainPlan> plan_profile(const aws::SharedConfig &files, std::string_view profile_name) {
    auto top = files.profile(profile_name);
    if (!top) return top.error();
    ChainPlan plan;
    plan.chain.emplace_back(profile_name);
    if (!has_role(*top)) {
        if (auto done = profile_providers(*top, files, plan); !done) return done.error();
        return plan;
    }
    aws::Profile current = *top;
    while (true) {
        auto hop = hop_of(current);
        if (!hop) return hop.error();
        plan.hops.push_back(std::move(*hop));
        const auto source_profile = current.source_profile();
        const auto credential_source = current.credential_source();
        const auto where = "AWS profile " + q_name(current.name()) + " (" + files_of(files) + ")";
        if (source_profile && credential_source)
            return Error::failed(where + " has both source_profile and credential_source: keep one");
        if (!source_profile && !credential_source)
            return Error::failed(
                where + " has role_arn but neither source_profile nor credential_source: add the "
                        "profile (or credential_source = Environment) whose credentials assume the role");
        if (credential_source) {
            if (*credential_source == "Environment") {
                plan.base = BaseKind::environment;
                plan.base_profile = current;
                break;
            }
            if (*credential_source == "EcsContainer" || *credential_source == "Ec2InstanceMetadata") {
                plan.base =
                    *credential_source == "EcsContainer" ? BaseKind::container : BaseKind::instance_metadata;
                plan.base_profile = current;
                break;
            }
            return Error::failed(where + ": credential_source \"" + *credential_source +
                                 "\" is not valid (Environment, Ec2InstanceMetadata or EcsContainer)");
        }
        const auto &next = *source_profile;
        if (!files.has_profile(next))
            return Error::failed(where + ": its source_profile " + q_name(next) + " does not exist");
        if (std::find(plan.chain.begin(), plan.chain.end(), next) != plan.chain.end()) {
            if (next == current.name() && has_static_keys(current)) {
                // A profile may source its own static keys (botocore).
                if (auto checked = check_static_keys(current, files); !checked) return checked.error();
                plan.base = BaseKind::static_keys;
                plan.base_profile = current;
                break;
            }
            auto loop = plan.chain;
            loop.push_back(next);
            return Error::failed("AWS profiles loop through source_profile: " + chain_text(loop) + " (" +
                                 files_of(files) + "); end the chain at a profile with credentials");
        }
        plan.chain.push_back(next);
        auto source = files.profile(next);
        if (!source) return source.error();
        if (has_static_keys(*source) || !has_role(*source)) {
            if (auto done = profile_providers(*source, files, plan); !done) return done.error();
            break;
        }
        current = std::move(*source);
    }
    std::reverse(plan.hops.begin(), plan.hops.end());
    return plan;
}

} // namespace pullcred::aws::sources
