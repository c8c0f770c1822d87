// AWS STS over its query protocol, for role chaining and web identity:
// AssumeRole (SigV4, signing name `sts`) and AssumeRoleWithWebIdentity
// (unsigned), POST form bodies, XML replies. The XML is read with a tiny
// purpose-built extractor: STS replies are flat, namespace-prefix-free
// documents, and only Credentials/{AccessKeyId,SecretAccessKey,SessionToken,
// Expiration} and Error/{Code,Message} matter.
#pragma once

#include <cstdint>
#include <optional>
#include <pullcred/module.hpp>
#include <string>
#include <string_view>

#include "aws/endpoints/endpoint.hpp"

namespace pullcred::aws::sources::sts {

struct IssuedCredentials {
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;
    std::int64_t expires_unix = 0;
};

struct ErrorReply {
    std::string code;
    std::string message;
};

// The text of the first <tag>...</tag> (attributes allowed on the opening
// tag), entities decoded; nullopt when absent or not closed.
std::optional<std::string> element_text(std::string_view xml, std::string_view tag);

// Credentials from a successful AssumeRole / AssumeRoleWithWebIdentity reply;
// a one-line reason (never quoting the body) when the reply is malformed.
sdk::Result<IssuedCredentials> parse_credentials(std::string_view xml);

// <Error><Code>..</Code><Message>..</Message></Error>, when the body is one.
std::optional<ErrorReply> parse_error(std::string_view xml);

// application/x-www-form-urlencoded value (RFC 3986 unreserved kept).
std::string form_encode(std::string_view value);

struct RoleRequest {
    std::string role_arn;
    std::string session_name;
    std::optional<std::string> external_id;
    std::optional<std::int64_t> duration_seconds;
};

// AssumeRole with `source` keys; `what` prefixes every error
// ("AWS profile \"dev\": AssumeRole of arn:...").
sdk::Result<sdk::Credentials> assume_role(const sdk::Host &host, const aws::Endpoint &endpoint,
                                          const sdk::Credentials &source, const RoleRequest &request,
                                          const std::string &what);

// AssumeRoleWithWebIdentity with `token` (never logged nor quoted).
sdk::Result<sdk::Credentials>
assume_role_with_web_identity(const sdk::Host &host, const aws::Endpoint &endpoint,
                              const RoleRequest &request, const std::string &token, const std::string &what);

} // namespace pullcred::aws::sources::sts
