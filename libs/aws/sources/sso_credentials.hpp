// IAM Identity Center (AWS SSO) profiles, as botocore's SSOProvider serves
// them. A profile uses SSO when it has sso_account_id or sso_role_name; it
// then needs both, plus sso_start_url and sso_region, either in the profile
// (legacy form) or in the [sso-session NAME] section its sso_session names
// (a key in both must agree).
//
// The access token comes from the cache `aws sso login` writes:
// ~/.aws/sso/cache/<sha1 hex of the start URL (legacy) or of the session
// name>.json = {"accessToken": ..., "expiresAt": "2026-12-07T12:00:00Z", ...}.
// Credentials come from the portal's GetRoleCredentials:
// GET <portal>/federation/credentials?role_name=R&account_id=A with header
// x-amz-sso_bearer_token, answering {"roleCredentials": {"accessKeyId",
// "secretAccessKey", "sessionToken", "expiration" (Unix ms)}}. The portal is
// https://portal.sso.<sso_region>.<partition DNS suffix>, or
// $AWS_ENDPOINT_URL_SSO, or $AWS_ENDPOINT_URL.
// An expired token is not refreshed: the error says to run `aws sso login`.
#pragma once

#include <cstdint>
#include <optional>
#include <pullcred/module.hpp>
#include <string>
#include <string_view>

#include "aws/profile/environment.hpp"
#include "aws/profile/shared_config.hpp"
#include "aws/result.hpp"

namespace pullcred::aws::sources {

struct SsoSettings {
    std::string profile; // the profile that uses SSO
    std::string start_url;
    std::string region;
    std::string account_id;
    std::string role_name;
    std::optional<std::string> session_name; // the sso_session form
};

// True when botocore's SSO provider applies to the profile.
bool uses_sso(const aws::Profile &profile);

// The profile's SSO settings, merged with its sso-session; an Error naming
// the missing or inconsistent key otherwise.
Result<SsoSettings> sso_settings(const aws::Profile &profile, const aws::SharedConfig &files);

// <sha1 hex>.json of the start URL (legacy) or the session name.
std::string sso_cache_file_name(const SsoSettings &settings);

struct SsoToken {
    std::string access_token;
    std::int64_t expires_unix = 0;
};

// The token of a cache file (registered for redaction); a one-line reason
// (never quoting it) when malformed.
sdk::Result<SsoToken> parse_sso_token(std::string_view json);

// GetRoleCredentials' reply.
sdk::Result<sdk::Credentials> parse_role_credentials(std::string_view json);

sdk::Result<sdk::Credentials> fetch_sso_credentials(const sdk::Host &host, const aws::EnvLookup &env,
                                                    const SsoSettings &settings);

} // namespace pullcred::aws::sources
