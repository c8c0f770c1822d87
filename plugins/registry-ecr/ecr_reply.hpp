// The answer of ECR / ECR Public GetAuthorizationToken, checked piece by
// piece: anything unexpected becomes one clear error that says which call
// failed where and what to check, and never quotes the token.
#pragma once

#include <cstdint>
#include <pullcred/module.hpp>
#include <string>

namespace pullcred_ecr {

struct CallContext {
    std::string api;      // "ECR" or "ECR Public"
    std::string region;   // where the call went (the signing region)
    std::string profile;  // whose credentials signed it
    std::string endpoint; // the URL called (no secrets in it)
    std::string account;  // registry account asked for (private registries), may be empty
    bool is_public = false;
};

struct Token {
    std::string username;
    std::string password;
    std::int64_t expires_unix = 0;
};

// "ECR GetAuthorizationToken in us-west-2 failed: "
std::string failure_prefix(const CallContext &context);

// Turns an HTTP response (any status) into a token or a Status:
// RETRYABLE for throttling and 5xx, FAILED otherwise.
pullcred::sdk::Result<Token> parse_reply(const pullcred::sdk::HttpResponse &response,
                                         const CallContext &context);

} // namespace pullcred_ecr
