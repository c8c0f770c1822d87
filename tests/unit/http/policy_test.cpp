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
