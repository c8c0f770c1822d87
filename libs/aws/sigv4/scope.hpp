// Signing time and credential scope.
#pragma once

#include "aws/result.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace pullcred::aws {

struct SigningScope {
    std::string service; // signing name, e.g. "ecr", "sts", "rolesanywhere"
    std::string region;  // e.g. "us-east-1"
    std::chrono::system_clock::time_point time;
};

// Service and region non-empty and within [A-Za-z0-9._-] (nothing that
// could break the "/"-separated scope or the Authorization header).
Status check_scope(const SigningScope &scope);

// "YYYYMMDDTHHMMSSZ" (UTC, seconds truncated): the X-Amz-Date value.
// Error outside years 1000-9999.
Result<std::string> format_amz_date(std::chrono::system_clock::time_point time);

// "<yyyymmdd>/<region>/<service>/aws4_request", the date being the first 8
// characters of `amz_date`.
std::string credential_scope(std::string_view amz_date, std::string_view region, std::string_view service);

} // namespace pullcred::aws
