// Retry and proxy policy, tested without the network.
#include "http/proxy.hpp"
#include "http/retry_policy.hpp"

#include <gtest/gtest.h>
#include <map>

namespace pullcred::net {
namespace {

using std::chrono::milliseconds;

TEST(MaxAttempts, PolicyValueClampedToOneToTen) {
    EXPECT_EQ(effective_max_attempts(4, std::nullopt), 4);
    EXPECT_EQ(effective_max_attempts(0, std::nullopt), 1);
    EXPECT_EQ(effective_max_attempts(-3, std::nullopt), 1);
    EXPECT_EQ(effective_max_attempts(50, std::nullopt), 10);
}

TEST(MaxAttempts, EnvironmentOverrides) {
    EXPECT_EQ(effective_max_attempts(4, "2"), 2);
    EXPECT_EQ(effective_max_attempts(4, " 7 "), 7);
    EXPECT_EQ(effective_max_attempts(4, "1"), 1);
    EXPECT_EQ(effective_max_attempts(4, "25"), 10);
}

TEST(MaxAttempts, InvalidEnvironmentIgnored) {
    for (const char *value : {"", "0", "-1", "abc", "3x", "2.5"}) {
        EXPECT_EQ(effective_max_attempts(4, value), 4) << value;
    }
}

TEST(ErrorCode, FromHeaderJsonAndXml) {
    EXPECT_EQ(
        aws_error_code({{"x-amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/coral/"}}, ""),
        "ThrottlingException");
    EXPECT_EQ(aws_error_code({}, R"({"__type":"com.amazonaws.ecr#ThrottlingException","message":"slow"})"),
              "ThrottlingException");
    EXPECT_EQ(aws_error_code({}, R"({"__type":"AccessDeniedException"})"), "AccessDeniedException");
    EXPECT_EQ(aws_error_code({}, "<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>"),
              "Throttling");
    EXPECT_EQ(aws_error_code({}, "<Error><Code> SlowDown </Code></Error>"), "SlowDown");
    EXPECT_EQ(aws_error_code({}, "not json, not xml"), "");
    EXPECT_EQ(aws_error_code({}, "{broken json"), "");
}

TEST(ErrorCode, ThrottlingCodes) {
    for (const char *code : {"Throttling", "ThrottlingException", "TooManyRequestsException",
                             "RequestLimitExceeded", "SlowDown"}) {
        EXPECT_TRUE(is_throttling_code(code)) << code;
    }
    for (const char *code :
         {"", "AccessDeniedException", "ValidationException", "InvalidSignatureException"}) {
        EXPECT_FALSE(is_throttling_code(code)) << code;
    }
}

TEST(RetryableResponse, ByStatusAndCode) {
    EXPECT_TRUE(is_retryable_response(500, {}, ""));
    EXPECT_TRUE(is_retryable_response(502, {}, ""));
    EXPECT_TRUE(is_retryable_response(503, {}, ""));
    EXPECT_TRUE(is_retryable_response(429, {}, ""));
    EXPECT_TRUE(is_retryable_response(400, {}, R"({"__type":"ThrottlingException"})"));
    EXPECT_TRUE(is_retryable_response(400, {{"X-Amzn-ErrorType", "TooManyRequestsException"}}, ""));
    EXPECT_FALSE(is_retryable_response(200, {}, R"({"__type":"ThrottlingException"})"));
    EXPECT_FALSE(is_retryable_response(400, {}, R"({"__type":"ValidationException"})"));
    EXPECT_FALSE(is_retryable_response(403, {}, R"({"__type":"AccessDeniedException"})"));
    EXPECT_FALSE(is_retryable_response(404, {}, ""));
    EXPECT_FALSE(is_retryable_response(302, {}, ""));
}

TEST(Backoff, CeilingDoublesUpToTheCap) {
    EXPECT_EQ(backoff_ceiling(1), milliseconds(100));
    EXPECT_EQ(backoff_ceiling(2), milliseconds(200));
    EXPECT_EQ(backoff_ceiling(3), milliseconds(400));
    EXPECT_EQ(backoff_ceiling(6), milliseconds(3200));
    EXPECT_EQ(backoff_ceiling(7), milliseconds(5000));
    EXPECT_EQ(backoff_ceiling(1000), milliseconds(5000));
}

TEST(Backoff, FullJitterStaysInRangeAndVaries) {
    std::mt19937_64 random(42);
    for (int retry = 1; retry <= 9; ++retry) {
        milliseconds low = milliseconds::max();
        milliseconds high = milliseconds::zero();
        for (int i = 0; i < 500; ++i) {
            const auto delay = backoff_delay(retry, random);
            ASSERT_GE(delay, milliseconds::zero());
            ASSERT_LE(delay, backoff_ceiling(retry));
            low = std::min(low, delay);
            high = std::max(high, delay);
        }
        EXPECT_LT(low, backoff_ceiling(retry) / 4) << retry;
        EXPECT_GT(high, backoff_ceiling(retry) * 3 / 4) << retry;
    }
}

TEST(Backoff, ThrottlingAnswersBackOffFromOneSecondUpToTwenty) {
    EXPECT_EQ(backoff_ceiling(1, true), milliseconds(1000));
    EXPECT_EQ(backoff_ceiling(2, true), milliseconds(2000));
    EXPECT_EQ(backoff_ceiling(5, true), milliseconds(16000));
    EXPECT_EQ(backoff_ceiling(6, true), milliseconds(20000));
    EXPECT_EQ(backoff_ceiling(60, true), milliseconds(20000));
    std::mt19937_64 random(7);
    milliseconds high = milliseconds::zero();
    for (int i = 0; i < 500; ++i) {
        const auto delay = backoff_delay(3, random, true);
        ASSERT_GE(delay, milliseconds::zero());
        ASSERT_LE(delay, milliseconds(4000));
        high = std::max(high, delay);
    }
    EXPECT_GT(high, milliseconds(3000));
}

TEST(Backoff, TheSameSeedGivesTheSameDelays) {
    std::mt19937_64 a(99);
    std::mt19937_64 b(99);
    for (int retry = 1; retry < 8; ++retry) EXPECT_EQ(backoff_delay(retry, a), backoff_delay(retry, b));
}

TEST(ThrottlingResponse, StatusOrCode) {
    EXPECT_TRUE(is_throttling_response(429, {}, ""));
    EXPECT_TRUE(is_throttling_response(400, {}, R"({"__type":"com.amazonaws.ecr#ThrottlingException"})"));
    EXPECT_TRUE(is_throttling_response(400, {}, "<Error><Code>Throttling</Code></Error>"));
    EXPECT_TRUE(is_throttling_response(400, {{"x-amzn-errortype", "TooManyRequestsException"}}, ""));
    EXPECT_TRUE(is_throttling_response(503, {}, "<Error><Code>RequestLimitExceeded</Code></Error>"));
    EXPECT_FALSE(is_throttling_response(503, {}, ""));
    EXPECT_FALSE(is_throttling_response(500, {}, R"({"__type":"InternalFailure"})"));
    EXPECT_FALSE(is_throttling_response(403, {}, R"({"__type":"AccessDeniedException"})"));
    EXPECT_FALSE(is_throttling_response(200, {}, R"({"__type":"ThrottlingException"})"));
}

TEST(RetryAfter, SecondsAndDates) {
    const auto now = std::chrono::system_clock::from_time_t(784111777); // Sun, 06 Nov 1994 08:49:37 GMT
    EXPECT_EQ(retry_after({{"Retry-After", "120"}}, now), milliseconds(120000));
    EXPECT_EQ(retry_after({{"retry-after", " 0 "}}, now), milliseconds(0));
    EXPECT_EQ(retry_after({{"Retry-After", "Sun, 06 Nov 1994 08:50:07 GMT"}}, now), milliseconds(30000));
    EXPECT_EQ(retry_after({{"Retry-After", "Sunday, 06-Nov-94 08:49:47 GMT"}}, now), milliseconds(10000));
    EXPECT_EQ(retry_after({{"Retry-After", "Sun Nov  6 08:49:42 1994"}}, now), milliseconds(5000));
    EXPECT_EQ(retry_after({{"Retry-After", "Sun, 06 Nov 1994 08:00:00 GMT"}}, now), milliseconds(0))
        << "a date in the past asks for no wait";
    EXPECT_EQ(retry_after({{"Retry-After", "99999999999999999999999"}}, now), milliseconds::max());
}

TEST(RetryAfter, AbsentOrMalformed) {
    const auto now = std::chrono::system_clock::now();
    EXPECT_EQ(retry_after({}, now), std::nullopt);
    EXPECT_EQ(retry_after({{"Retry-Afterwards", "5"}}, now), std::nullopt);
    for (const char *value : {"", "-5", "1.5", "5s", "soon", "Sun, 99 Foo 1994 25:61:00 GMT"}) {
        EXPECT_EQ(retry_after({{"Retry-After", value}}, now), std::nullopt) << value;
    }
}

TEST(PlanRetry, WaitsTheLongerOfBackoffAndRetryAfter) {
    auto plan = plan_retry(milliseconds(300), std::nullopt, std::nullopt);
    EXPECT_EQ(plan.verdict, RetryVerdict::wait);
    EXPECT_EQ(plan.delay, milliseconds(300));
    plan = plan_retry(milliseconds(300), milliseconds(2000), milliseconds(10000));
    EXPECT_EQ(plan.verdict, RetryVerdict::wait);
    EXPECT_EQ(plan.delay, milliseconds(2000));
    plan = plan_retry(milliseconds(3000), milliseconds(2000), milliseconds(10000));
    EXPECT_EQ(plan.delay, milliseconds(3000));
}

TEST(PlanRetry, NeverPastTheDeadline) {
    EXPECT_EQ(plan_retry(milliseconds(800), std::nullopt, milliseconds(500)).verdict, RetryVerdict::deadline);
    EXPECT_EQ(plan_retry(milliseconds(500), std::nullopt, milliseconds(500)).verdict, RetryVerdict::deadline);
    EXPECT_EQ(plan_retry(milliseconds(800), milliseconds(100), milliseconds(500)).verdict,
              RetryVerdict::deadline)
        << "our own backoff, not the server's ask, is what does not fit";
}

TEST(PlanRetry, ARetryAfterThatDoesNotFitIsThrottled) {
    EXPECT_EQ(plan_retry(milliseconds(100), milliseconds(30000), milliseconds(2000)).verdict,
              RetryVerdict::throttled);
    EXPECT_EQ(plan_retry(milliseconds(100), milliseconds::max(), milliseconds(2000)).verdict,
              RetryVerdict::throttled);
    EXPECT_EQ(plan_retry(milliseconds(100), kMaxRetryAfter + milliseconds(1), std::nullopt).verdict,
              RetryVerdict::throttled)
        << "without a deadline, no more than kMaxRetryAfter";
    EXPECT_EQ(plan_retry(milliseconds(100), kMaxRetryAfter, std::nullopt).verdict, RetryVerdict::wait);
    EXPECT_EQ(plan_retry(milliseconds(100), milliseconds(90000), milliseconds(120000)).verdict,
              RetryVerdict::wait)
        << "a deadline far enough away bounds the wait instead";
}

EnvLookup fake_env(std::map<std::string, std::string> values) {
    return [values = std::move(values)](const char *name) -> std::optional<std::string> {
        const auto it = values.find(name);
        if (it == values.end()) return std::nullopt;
        return it->second;
    };
}

TEST(Proxy, ChosenBySchemeUpperCaseFirst) {
    const auto env = fake_env({{"HTTPS_PROXY", "http://secure:3128"},
                               {"https_proxy", "http://lower:3128"},
                               {"http_proxy", "http://plain:3128"}});
    auto https = choose_proxy("https", "api.ecr.us-east-1.amazonaws.com", 443, env);
    EXPECT_EQ(https.url, "http://secure:3128");
    EXPECT_EQ(https.variable, "HTTPS_PROXY");
    auto http = choose_proxy("http", "127.0.0.1", 8080, env);
    EXPECT_EQ(http.url, "http://plain:3128");
    EXPECT_EQ(http.variable, "http_proxy");
}

TEST(Proxy, EmptyVariableCountsAsUnset) {
    const auto env = fake_env({{"HTTPS_PROXY", ""}, {"https_proxy", "http://lower:3128"}});
    EXPECT_EQ(choose_proxy("https", "example.com", 443, env).url, "http://lower:3128");
    EXPECT_EQ(choose_proxy("http", "example.com", 80, env).url, "");
}

TEST(Proxy, NoProxyExcludes) {
    const auto env =
        fake_env({{"HTTPS_PROXY", "http://proxy:3128"}, {"NO_PROXY", "169.254.169.254,.internal"}});
    EXPECT_EQ(choose_proxy("https", "169.254.169.254", 443, env).url, "");
    EXPECT_EQ(choose_proxy("https", "ecr.internal", 443, env).url, "");
    EXPECT_EQ(choose_proxy("https", "api.ecr.us-east-1.amazonaws.com", 443, env).url, "http://proxy:3128");
    const auto lower = fake_env({{"HTTPS_PROXY", "http://proxy:3128"}, {"no_proxy", "*"}});
    EXPECT_EQ(choose_proxy("https", "anything", 443, lower).url, "");
}

TEST(NoProxy, DomainsAndSubdomains) {
    EXPECT_TRUE(no_proxy_matches("example.com", "example.com", 443));
    EXPECT_TRUE(no_proxy_matches("example.com", "api.example.com", 443));
    EXPECT_TRUE(no_proxy_matches(".example.com", "api.example.com", 443));
    EXPECT_TRUE(no_proxy_matches(".example.com", "example.com", 443));
    EXPECT_TRUE(no_proxy_matches("*.example.com", "a.b.example.com", 443));
    EXPECT_TRUE(no_proxy_matches("EXAMPLE.com", "Api.Example.COM", 443));
    EXPECT_TRUE(no_proxy_matches("example.com", "example.com.", 443));
    EXPECT_FALSE(no_proxy_matches("example.com", "badexample.com", 443));
    EXPECT_FALSE(no_proxy_matches("example.com", "example.com.evil.net", 443));
    EXPECT_FALSE(no_proxy_matches("", "example.com", 443));
}

TEST(NoProxy, ListsWithSpacesAndCommas) {
    EXPECT_TRUE(no_proxy_matches("foo.com, bar.com", "bar.com", 443));
    EXPECT_TRUE(no_proxy_matches("foo.com bar.com", "bar.com", 443));
    EXPECT_TRUE(no_proxy_matches(",,localhost,,", "localhost", 80));
    EXPECT_FALSE(no_proxy_matches("foo.com, bar.com", "baz.com", 443));
}

TEST(NoProxy, Ports) {
    EXPECT_TRUE(no_proxy_matches("example.com:8443", "example.com", 8443));
    EXPECT_FALSE(no_proxy_matches("example.com:8443", "example.com", 443));
    EXPECT_TRUE(no_proxy_matches("[::1]:8080", "[::1]", 8080));
    EXPECT_FALSE(no_proxy_matches("[::1]:8080", "::1", 80));
}

TEST(NoProxy, AddressesAndBlocks) {
    EXPECT_TRUE(no_proxy_matches("127.0.0.1", "127.0.0.1", 80));
    EXPECT_FALSE(no_proxy_matches("127.0.0.1", "127.0.0.2", 80));
    EXPECT_TRUE(no_proxy_matches("10.0.0.0/8", "10.20.30.40", 443));
    EXPECT_FALSE(no_proxy_matches("10.0.0.0/8", "11.0.0.1", 443));
    EXPECT_TRUE(no_proxy_matches("169.254.169.254/32", "169.254.169.254", 80));
    EXPECT_TRUE(no_proxy_matches("::1", "[::1]", 443));
    EXPECT_TRUE(no_proxy_matches("[::1]", "[0:0:0:0:0:0:0:1]", 443));
    EXPECT_TRUE(no_proxy_matches("fd00::/8", "[fd12:3456::1]", 443));
    EXPECT_FALSE(no_proxy_matches("fd00::/8", "[fe80::1]", 443));
    EXPECT_FALSE(no_proxy_matches("10.0.0.0/8", "[::1]", 443));
    EXPECT_FALSE(no_proxy_matches("10.0.0.0/8", "example.com", 443));
    EXPECT_FALSE(no_proxy_matches("10.0.0.0/99", "10.0.0.1", 443));
}

TEST(Proxy, RedactsUserInformation) {
    EXPECT_EQ(redact_proxy_url("http://user:secret@proxy.corp:3128"), "http://proxy.corp:3128");
    EXPECT_EQ(redact_proxy_url("user:secret@proxy.corp:3128"), "proxy.corp:3128");
    EXPECT_EQ(redact_proxy_url("http://proxy.corp:3128/"), "http://proxy.corp:3128/");
    EXPECT_EQ(redact_proxy_url("http://proxy.corp:3128/a@b"), "http://proxy.corp:3128/a@b");
    EXPECT_EQ(redact_proxy_url("http://us@er:p@ss@proxy:1"), "http://proxy:1");
}

} // namespace
} // namespace pullcred::net
