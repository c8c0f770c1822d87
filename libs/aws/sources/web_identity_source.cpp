#include "aws/sources/web_identity_source.hpp"

#include <pullcred/module.hpp>

#include "aws/endpoints/endpoint.hpp"
#include "aws/profile/environment.hpp"
#include "aws/sources/secrets.hpp"
#include "aws/sources/sts.hpp"

namespace pullcred::aws::sources {

namespace {

constexpr const char *kWebIdentitySchema = R"({
  "type": "object",
  "additionalProperties": false,
  "required": ["roleArn", "region"],
  "properties": {
    "roleArn": {"type": "string", "minLength": 1},
    "region": {"type": "string", "minLength": 1}
  }
})";

class WebIdentitySource final : public sdk::CredentialSource {
public:
    WebIdentitySource(sdk::Host host, const sdk::Config &config)
        : host_(host), role_arn_(config.at("roleArn").get<std::string>()),
          region_(config.at("region").get<std::string>()) {}

    sdk::Result<std::string> describe(const sdk::CredentialsRequest & /*request*/) override {
        return "AssumeRoleWithWebIdentity of " + role_arn_ +
               " with the pod's service-account token (STS in " + region_ + ")";
    }

    sdk::Result<sdk::Credentials> get_credentials(const sdk::CredentialsRequest &request) override {
        const auto what = "AssumeRoleWithWebIdentity of " + role_arn_;
        if (request.service_account_token.empty())
            return sdk::Error::failed(what + ": the request carries no service-account token");
        const std::string token(request.service_account_token);
        report_secret(token);
        auto endpoint = aws::resolve_endpoint(
            "sts", region_, aws::EndpointOptions{{}, {}, {}, nullptr, aws::host_env(host_)});
        if (!endpoint) return sdk::Error::failed(what + ": STS endpoint: " + endpoint.error().message);
        const sts::RoleRequest role{role_arn_, "pullcred-" + std::to_string(host_.now_unix_ms() / 1000),
                                    std::nullopt, std::nullopt};
        auto credentials = sts::assume_role_with_web_identity(host_, *endpoint, role, token, what);
        if (!credentials.ok()) return credentials;
        credentials.value().set(PULLCRED_FIELD_REGION, region_);
        return credentials;
    }

private:
    sdk::Host host_;
    std::string role_arn_;
    std::string region_;
};

} // namespace

const pullcred_factory *web_identity_source() {
    return sdk::credential_source<WebIdentitySource>("aws.web-identity", kWebIdentitySchema);
}

} // namespace pullcred::aws::sources
