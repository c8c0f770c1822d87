// When to retry an HTTP exchange, and how long to wait in between.
//
// Retried: network errors (decided by the client), HTTP 5xx, 429, and the
// AWS throttling answers that come back as HTTP 400 (X-Amzn-ErrorType
// header, JSON "__type" or XML <Code>). Waits use "full jitter", as the AWS
// SDKs' standard retry mode: a uniform draw in [0, min(cap, base * 2^(retry - 1))],
// with a larger base and cap after a throttling answer. A Retry-After header
// makes the wait at least that long; no wait ends past the deadline.
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
// After a throttling answer (429 or a throttling code): the SDKs' standard
// mode base of 1 s and maximum backoff of 20 s.
inline constexpr std::chrono::milliseconds kThrottledBackoffBase{1000};
inline constexpr std::chrono::milliseconds kThrottledBackoffCap{20000};
// The longest Retry-After honoured when the invocation has no deadline.
inline constexpr std::chrono::milliseconds kMaxRetryAfter{60000};

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

// HTTP 429, or a 4xx/5xx that carries a throttling error code.
bool is_throttling_response(long status, const ResponseHeaders &headers, std::string_view body);

// min(cap, base * 2^(retry - 1)) for retry >= 1 (the wait before attempt
// retry + 1); the throttled base and cap when `throttled`.
std::chrono::milliseconds backoff_ceiling(int retry, bool throttled = false);

// A uniform draw in [0, backoff_ceiling(retry, throttled)].
std::chrono::milliseconds backoff_delay(int retry, std::mt19937_64 &random, bool throttled = false);

// The wait a Retry-After header asks for: whole seconds, or an HTTP date
// (IMF-fixdate, RFC 850 or asctime) counted from `now` (zero when past).
// nullopt when the header is absent or malformed.
std::optional<std::chrono::milliseconds> retry_after(const ResponseHeaders &headers,
                                                     std::chrono::system_clock::time_point now);

enum class RetryVerdict {
    wait,      // sleep `delay`, then try again
    deadline,  // the backoff does not fit before the deadline: stop
    throttled, // the server's Retry-After does not fit (or exceeds kMaxRetryAfter): stop
};
struct RetryPlan {
    RetryVerdict verdict = RetryVerdict::wait;
    std::chrono::milliseconds delay{0};
};

// The wait before the next attempt: max(backoff, Retry-After), given the
// time left before the deadline (nullopt: no deadline).
RetryPlan plan_retry(std::chrono::milliseconds backoff, std::optional<std::chrono::milliseconds> retry_after,
                     std::optional<std::chrono::milliseconds> remaining);

} // namespace pullcred::net
