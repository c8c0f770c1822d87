// IAM Roles Anywhere CreateSession: the settings of one profile, the request
// (query, body, headers) and the reply.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <pullcred/result.hpp>

namespace pullcred_ra {

// arn:<partition>:<service>:<region>:<account>:<resource>
struct Arn {
    std::string partition;
    std::string service;
    std::string region;
    std::string account;
    std::string resource;
};

std::optional<Arn> parse_arn(std::string_view text);

// CreateSession's JSON body: {"durationSeconds":N[,"roleSessionName":"..."]}.
std::string session_body(int duration_seconds, const std::string &role_session_name);

struct IssuedCredentials {
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;
    std::string expiration; // as received
    std::int64_t expires_unix = 0;
};

enum class ReplyFailure { permanent, retryable };

struct ReplyError {
    ReplyFailure kind = ReplyFailure::permanent;
    std::string message; // one line, no secret
};

// The reply's credentials, or why there are none. `error_type` is the
// X-Amzn-ErrorType header (may be empty); 2xx bodies are parsed strictly.
struct ParsedReply {
    std::optional<IssuedCredentials> credentials;
    ReplyError error;
};
ParsedReply parse_session_reply(int status, std::string_view error_type, std::string_view body);

} // namespace pullcred_ra
