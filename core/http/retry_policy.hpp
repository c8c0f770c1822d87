// When to retry an HTTP exchange, and how long to wait in between.
//
// Retried: network errors (decided by the client), HTTP 5xx, 429, and the
// AWS throttling answers that come back as HTTP 400 (X-Amzn-ErrorType
// header, JSON "__type" or XML <Code>). Waits use "full jitter": a uniform
// draw in [0, min(cap, base * 2^(retry - 1))].
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pullcred::net {

using ResponseHeaders = std::vector<std::pair<std::string, std::string>>;

inline constexpr int kMaxAttemptsLimit = 10;
inline constexpr std::chrono::milliseconds kBackoffBase{100};
inline constexpr std::chrono::milliseconds kBackoffCap{5000};

// The number of attempts: AWS_MAX_ATTEMPTS when it is a whole number >= 1
// (clamped to 10), else the policy's (clamped to 1..10). `env_value` is
// the variable's value, or nullopt when unset.
int effective_max_attempts(int policy_max_attempts, std::optional<std::string_view> env_value);

// The AWS error code of a 4xx/5xx answer: X-Amzn-ErrorType header (before
// any ':'), else JSON "__type" (after any '#'), else the first XML <Code>.
// Empty when none is found.
std::string aws_error_code(const ResponseHeaders &headers, std::string_view body);

// Throttling error codes: Throttling, ThrottlingException,
// TooManyRequestsException, RequestLimitExceeded, SlowDown (and any code
// that contains one of them).
bool is_throttling_code(std::string_view code);

// HTTP 5xx, 429, or a 400 that carries a throttling error code.
bool is_retryable_response(long status, const ResponseHeaders &headers, std::string_view body);

// min(cap, base * 2^(retry - 1)) for retry >= 1 (the wait before attempt
// retry + 1).
std::chrono::milliseconds backoff_ceiling(int retry);

// A uniform draw in [0, backoff_ceiling(retry)].
std::chrono::milliseconds backoff_delay(int retry, std::mt19937_64 &random);

} // namespace pullcred::net
