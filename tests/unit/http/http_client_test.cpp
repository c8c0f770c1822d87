// NetServices::http through libpullcred-net.so against a real local server
// (test_server.py): TLS and CA bundles, retries, deadlines, body cap,
// proxies. Each test runs in its own process under ctest, so setenv() here
// does not leak into other tests; the fixture clears the variables anyway.
#include "test_support.hpp"

#include <cstdlib>
#include <filesystem>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <pullcred_test/temp_dir.hpp>
#include <vector>

namespace pullcred::net::testing {
namespace {

using std::chrono::milliseconds;
using ::testing::AllOf;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

class HttpClient : public ::testing::Test {
public:
    // Started on first use: ctest runs each test in its own process, and
    // some tests need no server.
    static TestServer &server() {
        if (!server_) server_ = std::make_unique<TestServer>();
        return *server_;
    }

protected:
    static void TearDownTestSuite() { server_.reset(); }
    void SetUp() override { clear_network_environment(); }
    void TearDown() override { clear_network_environment(); }

    static Request get(std::string url) {
        Request request;
        request.url = std::move(url);
        return request;
    }

private:
    static inline std::unique_ptr<TestServer> server_;
};

// ---- TLS ----

TEST_F(HttpClient, TlsWithTheRequestsCaBundle) {
    auto request = get(server().https_url("/seq/tls-ok/200"));
    request.ca_bundle = server().ca_file();
    const auto outcome = call(request, quick_policy());
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
    EXPECT_EQ(outcome.http_status, 200);
    EXPECT_EQ(outcome.attempt(), 1);
    EXPECT_THAT(outcome.body, HasSubstr(R"("attempt": 1)"));
}

TEST_F(HttpClient, TlsWithAwsCaBundleFromTheEnvironment) {
    ::setenv("AWS_CA_BUNDLE", server().ca_file().c_str(), 1);
    const auto outcome = call(get(server().https_url("/seq/tls-env/200")), quick_policy());
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
    EXPECT_EQ(outcome.http_status, 200);
}

TEST_F(HttpClient, TlsWithThePolicysCaBundle) {
    auto policy = quick_policy();
    policy.ca_bundle = server().ca_file();
    const auto outcome = call(get(server().https_url("/seq/tls-policy/200")), policy);
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
    EXPECT_EQ(outcome.http_status, 200);
}

TEST_F(HttpClient, RequestCaBundleWinsOverTheEnvironment) {
    ::setenv("AWS_CA_BUNDLE", server().other_ca_file().c_str(), 1);
    auto request = get(server().https_url("/seq/tls-precedence/200"));
    request.ca_bundle = server().ca_file();
    const auto outcome = call(request, quick_policy());
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
}

TEST_F(HttpClient, UntrustedCertificateIsAClearPermanentError) {
    auto request = get(server().https_url("/seq/tls-untrusted/200"));
    request.ca_bundle = server().other_ca_file();
    const auto outcome = call(request, quick_policy());
    EXPECT_EQ(outcome.status, PULLCRED_FAILED);
    EXPECT_EQ(outcome.http_status, 0);
    EXPECT_THAT(outcome.error,
                AllOf(HasSubstr("server certificate"), HasSubstr("not trusted"), HasSubstr("127.0.0.1"),
                      HasSubstr(server().other_ca_file()), HasSubstr("the request's ca_bundle")));
    EXPECT_LT(outcome.elapsed, milliseconds(2000)) << "a TLS verification failure is not retried";
}

TEST_F(HttpClient, UntrustedCertificateNamesAwsCaBundle) {
    ::setenv("AWS_CA_BUNDLE", server().other_ca_file().c_str(), 1);
    const auto outcome = call(get(server().https_url("/seq/tls-untrusted-env/200")), quick_policy());
    EXPECT_EQ(outcome.status, PULLCRED_FAILED);
    EXPECT_THAT(outcome.error, AllOf(HasSubstr("not trusted"), HasSubstr(server().other_ca_file()),
                                     HasSubstr("AWS_CA_BUNDLE")));
}

TEST_F(HttpClient, SystemDefaultBundleDoesNotTrustTheTestCa) {
    const auto outcome = call(get(server().https_url("/seq/tls-system/200")), quick_policy());
    EXPECT_EQ(outcome.status, PULLCRED_FAILED);
    EXPECT_THAT(outcome.error, AllOf(HasSubstr("not trusted"), HasSubstr("the system's")));
}

// ---- The system's CAs: by subject hash in their directory, else the bundle file ----

// A directory of `openssl rehash` links to `pems` (copied in), as update-ca-certificates keeps
// /etc/ssl/certs.
std::string rehashed_directory(const pullcred_test::TempDir &scratch, const std::vector<std::string> &pems) {
    const auto directory = scratch.path("certs");
    std::filesystem::create_directories(directory);
    for (std::size_t i = 0; i < pems.size(); ++i)
        std::filesystem::copy_file(pems[i], directory + "/ca" + std::to_string(i) + ".pem");
    EXPECT_EQ(std::system(("openssl rehash " + directory + " 2>/dev/null").c_str()), 0);
    return directory;
}

HttpPolicy system_policy(std::string directory, std::vector<std::string> bundles) {
    auto policy = quick_policy();
    policy.system_ca_directory = std::move(directory);
    policy.system_ca_bundles = std::move(bundles);
    return policy;
}

TEST_F(HttpClient, SystemCasAreLookedUpByHashInTheirDirectory) {
    const pullcred_test::TempDir scratch;
    const auto policy =
        system_policy(rehashed_directory(scratch, {server().ca_file()}), {"/nonexistent/bundle.pem"});
    const auto outcome = call(get(server().https_url("/seq/system-dir/200")), policy);
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
    EXPECT_EQ(outcome.http_status, 200);
}

TEST_F(HttpClient, SystemBundleServesWhereTheDirectoryHasNoHashLinks) {
    const pullcred_test::TempDir scratch;
    scratch.write("certs/README", "no links here\n");
    const auto outcome = call(get(server().https_url("/seq/system-file/200")),
                              system_policy(scratch.path("certs"), {server().ca_file()}));
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
}

TEST_F(HttpClient, SystemBundleIsTheFirstOfItsPlacesThatExists) {
    const pullcred_test::TempDir scratch;
    scratch.write("certs/README", "no links here\n");
    const auto policy = system_policy(scratch.path("certs"), {scratch.path("debian/ca-certificates.crt"),
                                                              server().ca_file(), server().other_ca_file()});
    const auto outcome = call(get(server().https_url("/seq/system-places/200")), policy);
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
}

TEST_F(HttpClient, SystemBundleIsReadWhenTheDirectoryDoesNotTrustTheServer) {
    const pullcred_test::TempDir scratch;
    const auto directory = rehashed_directory(scratch, {server().other_ca_file()});
    const auto outcome = call(get(server().https_url("/seq/system-widen/200")),
                              system_policy(directory, {server().ca_file()}));
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
    EXPECT_EQ(outcome.http_status, 200);
}

TEST_F(HttpClient, ServerTrustedByNeitherSystemSourceNamesTheBundle) {
    const pullcred_test::TempDir scratch;
    const auto directory = rehashed_directory(scratch, {server().other_ca_file()});
    const auto outcome = call(get(server().https_url("/seq/system-neither/200")),
                              system_policy(directory, {server().other_ca_file()}));
    EXPECT_EQ(outcome.status, PULLCRED_FAILED);
    EXPECT_THAT(outcome.error,
                AllOf(HasSubstr("not trusted"), HasSubstr("the system's, " + server().other_ca_file())));
}

TEST_F(HttpClient, NoSystemCasIsAClearError) {
    const pullcred_test::TempDir scratch;
    scratch.write("certs/README", "empty\n");
    const auto outcome = call(get(server().https_url("/seq/system-none/200")),
                              system_policy(scratch.path("certs"), {scratch.path("no-bundle.pem")}));
    EXPECT_EQ(outcome.status, PULLCRED_FAILED);
    EXPECT_THAT(outcome.error, AllOf(HasSubstr("no system CA certificates"), HasSubstr(scratch.path("certs")),
                                     HasSubstr("AWS_CA_BUNDLE")));
}

TEST_F(HttpClient, ACaBundleReplacesTheSystemCas) {
    const pullcred_test::TempDir scratch;
    auto request = get(server().https_url("/seq/bundle-only/200"));
    request.ca_bundle = server().other_ca_file();
    const auto outcome =
        call(request, system_policy(rehashed_directory(scratch, {server().ca_file()}), {server().ca_file()}));
    EXPECT_EQ(outcome.status, PULLCRED_FAILED)
        << "the system's CAs would trust the server: they must not be used";
    EXPECT_THAT(outcome.error, HasSubstr("not trusted"));
}

TEST_F(HttpClient, ACaBundleWithoutCertificatesIsAClearError) {
    const pullcred_test::TempDir scratch;
    auto request = get(server().https_url("/seq/bundle-empty/200"));
    request.ca_bundle = scratch.write("empty.pem", "not a certificate\n");
    const auto outcome = call(request, quick_policy());
    EXPECT_EQ(outcome.status, PULLCRED_FAILED);
    EXPECT_THAT(outcome.error, AllOf(HasSubstr(request.ca_bundle), HasSubstr("holds no PEM certificate")));
}

TEST_F(HttpClient, InsecureFlagSkipsVerification) {
    auto request = get(server().https_url("/seq/tls-insecure/200"));
    request.ca_bundle = server().other_ca_file();
    request.flags = PULLCRED_HTTP_INSECURE_SKIP_VERIFY;
    const auto outcome = call(request, quick_policy());
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
    EXPECT_EQ(outcome.http_status, 200);
}

TEST_F(HttpClient, UnreadableCaBundleIsAClearError) {
    auto request = get(server().https_url("/seq/tls-missing/200"));
    request.ca_bundle = "/nonexistent/ca.pem";
    const auto outcome = call(request, quick_policy());
    EXPECT_EQ(outcome.status, PULLCRED_FAILED);
    EXPECT_THAT(outcome.error, AllOf(HasSubstr("CA bundle"), HasSubstr("/nonexistent/ca.pem")));
}

// ---- Retries ----

TEST_F(HttpClient, ServerErrorsAreRetriedUntilSuccess) {
    const auto outcome = call(get(server().http_url("/seq/retry-5xx/500,503,200")), quick_policy());
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
    EXPECT_EQ(outcome.http_status, 200);
    EXPECT_EQ(outcome.attempt(), 3);
}

TEST_F(HttpClient, RetriesOverTls) {
    auto request = get(server().https_url("/seq/retry-tls/502,200"));
    request.ca_bundle = server().ca_file();
    const auto outcome = call(request, quick_policy());
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
    EXPECT_EQ(outcome.attempt(), 2);
}

TEST_F(HttpClient, LastResponseReturnedWhenAttemptsRunOut) {
    auto policy = quick_policy();
    policy.max_attempts = 3;
    const auto outcome = call(get(server().http_url("/seq/retry-exhausted/500")), policy);
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
    EXPECT_EQ(outcome.http_status, 500);
    EXPECT_EQ(outcome.attempt(), 3);
    EXPECT_THAT(outcome.body, HasSubstr(R"("status": 500)"));
}

TEST_F(HttpClient, AwsMaxAttemptsOverridesThePolicy) {
    ::setenv("AWS_MAX_ATTEMPTS", "2", 1);
    const auto outcome = call(get(server().http_url("/seq/max-attempts/500")), quick_policy());
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
    EXPECT_EQ(outcome.attempt(), 2);
}

TEST_F(HttpClient, TooManyRequestsIsRetried) {
    const auto outcome = call(get(server().http_url("/seq/retry-429/429,200")), quick_policy());
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
    EXPECT_EQ(outcome.http_status, 200);
    EXPECT_EQ(outcome.attempt(), 2);
}

TEST_F(HttpClient, ThrottlingAnswersAreRetried) {
    for (const char *step : {"throttle", "throttlexml", "throttlehdr"}) {
        const auto outcome = call(
            get(server().http_url("/seq/retry-" + std::string(step) + "/" + step + ",200")), quick_policy());
        ASSERT_EQ(outcome.status, PULLCRED_OK) << step << ": " << outcome.error;
        EXPECT_EQ(outcome.http_status, 200) << step;
        EXPECT_EQ(outcome.attempt(), 2) << step;
    }
}

TEST_F(HttpClient, ThrottlingToTheLastAttemptReturnsTheThrottlingAnswer) {
    auto policy = quick_policy();
    policy.max_attempts = 2;
    const auto outcome = call(get(server().http_url("/seq/throttled-out/throttle")), policy);
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
    EXPECT_EQ(outcome.http_status, 400);
    EXPECT_EQ(outcome.attempt(), 2);
    EXPECT_THAT(outcome.body, HasSubstr("ThrottlingException"));
    EXPECT_EQ(outcome.header("Content-Type"), "application/x-amz-json-1.1");
}

TEST_F(HttpClient, RetryAfterSecondsMakesTheWaitAtLeastThatLong) {
    const auto outcome = call(get(server().http_url("/seq/retry-after/retryafter2,200")), quick_policy());
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
    EXPECT_EQ(outcome.http_status, 200);
    EXPECT_EQ(outcome.attempt(), 2);
    EXPECT_GE(outcome.elapsed, milliseconds(2000));
    EXPECT_LT(outcome.elapsed, milliseconds(4500));
}

TEST_F(HttpClient, RetryAfterDateMakesTheWaitLastUntilThen) {
    const auto outcome =
        call(get(server().http_url("/seq/retry-after-date/retryafterdate3,200")), quick_policy());
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
    EXPECT_EQ(outcome.attempt(), 2);
    EXPECT_GE(outcome.elapsed, milliseconds(1900))
        << "the date has whole seconds: 3 s from now is 2 to 3 s away";
    EXPECT_LT(outcome.elapsed, milliseconds(4500));
}

TEST_F(HttpClient, RetryAfterPastTheDeadlineGivesUpAtOnceAsThrottled) {
    auto policy = quick_policy();
    const auto request = get(server().http_url("/seq/retry-after-deadline/retryafter30,200"));
    policy.deadline_unix_ms = now_unix_ms() + 3000;
    const auto outcome = call(request, policy);
    EXPECT_EQ(outcome.status, PULLCRED_RETRYABLE);
    EXPECT_EQ(outcome.http_status, 0);
    EXPECT_THAT(outcome.error,
                AllOf(HasSubstr("/seq/retry-after-deadline/retryafter30,200: throttled: HTTP 429 "
                                "TooManyRequestsException after 1 attempt asks to wait 30 s (Retry-After)"),
                      HasSubstr("left before the deadline"), HasSubstr("raise the AWS request quota")));
    EXPECT_LT(outcome.elapsed, milliseconds(1500)) << "no sleep that cannot end in time";
}

TEST_F(HttpClient, ClientErrorsAreNotRetried) {
    for (const char *step : {"403", "invalid", "404"}) {
        const auto outcome =
            call(get(server().http_url("/seq/no-retry-" + std::string(step) + "/" + step + ",200")),
                 quick_policy());
        ASSERT_EQ(outcome.status, PULLCRED_OK) << step << ": " << outcome.error;
        EXPECT_NE(outcome.http_status, 200) << step;
        EXPECT_EQ(outcome.attempt(), 1) << step;
    }
}

TEST_F(HttpClient, RedirectsAreNotFollowed) {
    const auto outcome = call(get(server().http_url("/seq/redirect/redirect")), quick_policy());
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
    EXPECT_EQ(outcome.http_status, 302);
    EXPECT_EQ(outcome.header("Location"), "/seq/redirect-target/200");
}

TEST_F(HttpClient, ConnectionResetIsRetried) {
    const auto outcome = call(get(server().http_url("/seq/reset/reset,200")), quick_policy());
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
    EXPECT_EQ(outcome.http_status, 200);
    EXPECT_EQ(outcome.attempt(), 2);
}

TEST_F(HttpClient, ConnectionRefusedIsRetriedThenReported) {
    auto policy = quick_policy();
    policy.max_attempts = 3;
    const auto port = std::to_string(unused_port());
    const auto outcome = call(get("http://127.0.0.1:" + port + "/some/path"), policy);
    EXPECT_EQ(outcome.status, PULLCRED_RETRYABLE);
    EXPECT_EQ(outcome.http_status, 0);
    EXPECT_THAT(outcome.error,
                AllOf(HasSubstr("GET http://127.0.0.1:" + port + "/some/path"),
                      HasSubstr("no HTTP response after 3 attempts"), HasSubstr("could not connect")));
    EXPECT_THAT(outcome.error, Not(HasSubstr("deadline")));
}

TEST_F(HttpClient, PerAttemptTimeoutThenRetry) {
    auto policy = quick_policy();
    policy.attempt_timeout = milliseconds(500);
    const auto outcome = call(get(server().http_url("/seq/attempt-timeout/delay3000,200")), policy);
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
    EXPECT_EQ(outcome.http_status, 200);
    EXPECT_EQ(outcome.attempt(), 2);
    EXPECT_LT(outcome.elapsed, milliseconds(2500));
}

// ---- Deadline ----

TEST_F(HttpClient, DeadlineCutsASlowAnswer) {
    auto policy = quick_policy();
    policy.attempt_timeout = milliseconds(10000);
    const auto request = get(server().http_url("/seq/deadline-slow/delay5000")); // server started first
    policy.deadline_unix_ms = now_unix_ms() + 1500;
    const auto outcome = call(request, policy);
    EXPECT_EQ(outcome.status, PULLCRED_RETRYABLE);
    EXPECT_THAT(outcome.error,
                AllOf(ContainsRegex("deadline of 1\\.[2-5] s reached"), HasSubstr("after 1 attempt"),
                      HasSubstr("/seq/deadline-slow/delay5000")));
    EXPECT_GE(outcome.elapsed, milliseconds(1300));
    EXPECT_LT(outcome.elapsed, milliseconds(2500));
}

TEST_F(HttpClient, DeadlineStopsRetriesAndReturnsTheLastAnswer) {
    auto policy = quick_policy();
    policy.max_attempts = 10;
    const auto request = get(server().http_url("/seq/deadline-retries/503"));
    policy.deadline_unix_ms = now_unix_ms() + 1000;
    const auto outcome = call(request, policy);
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
    EXPECT_EQ(outcome.http_status, 503);
    EXPECT_GE(outcome.attempt(), 1);
    EXPECT_LT(outcome.elapsed, milliseconds(1500));
}

TEST_F(HttpClient, DeadlineAlreadyPassed) {
    auto policy = quick_policy();
    policy.deadline_unix_ms = now_unix_ms() - 10;
    const auto outcome = call(get("http://127.0.0.1:" + std::to_string(unused_port()) + "/"), policy);
    EXPECT_EQ(outcome.status, PULLCRED_RETRYABLE);
    EXPECT_THAT(outcome.error, HasSubstr("deadline"));
    EXPECT_LT(outcome.elapsed, milliseconds(500));
}

// The host moves its clock (util::use_clock); the deadline is a time on that clock.
std::int64_t an_hour_ahead_unix_ms() {
    return now_unix_ms() + 3'600'000;
}

TEST_F(HttpClient, DeadlineIsReadOnThePolicysClock) {
    auto policy = quick_policy();
    policy.now_unix_ms = &an_hour_ahead_unix_ms;
    policy.deadline_unix_ms = an_hour_ahead_unix_ms() + 300'000;
    const auto in_time = call(get("http://127.0.0.1:" + std::to_string(unused_port()) + "/"), policy);
    EXPECT_THAT(in_time.error, AllOf(HasSubstr("could not connect"), Not(HasSubstr("deadline"))))
        << "five minutes are left on the host's clock";

    policy.deadline_unix_ms = now_unix_ms() + 300'000;
    const auto late = call(get("http://127.0.0.1:" + std::to_string(unused_port()) + "/"), policy);
    EXPECT_EQ(late.status, PULLCRED_RETRYABLE);
    EXPECT_THAT(late.error, HasSubstr("deadline")) << "on the host's clock that time passed an hour ago";
}

// ---- Body cap ----

TEST_F(HttpClient, BodyCapWithContentLength) {
    const auto outcome = call(get(server().http_url("/seq/huge/huge")), quick_policy());
    EXPECT_EQ(outcome.status, PULLCRED_FAILED);
    EXPECT_THAT(outcome.error,
                AllOf(HasSubstr("larger than the limit of 4 MiB"), HasSubstr("/seq/huge/huge")));
    EXPECT_EQ(outcome.http_status, 0) << "nothing of the response reaches the sink";
}

TEST_F(HttpClient, BodyCapWhenStreamed) {
    const auto outcome = call(get(server().http_url("/seq/hugestream/hugestream")), quick_policy());
    EXPECT_EQ(outcome.status, PULLCRED_FAILED);
    EXPECT_THAT(outcome.error, HasSubstr("larger than the limit of 4 MiB"));
}

// ---- What goes on the wire ----

TEST_F(HttpClient, SendsMethodHeadersAndBodyAsGiven) {
    Request request;
    request.method = "POST";
    request.url = server().http_url("/seq/echo/echo?Action=Test");
    request.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                       {"X-Amz-Target", "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"}};
    request.body = std::string(3000, 'b'); // big enough for libcurl to want "Expect: 100-continue"
    const auto outcome = call(request, quick_policy());
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
    const auto echo = nlohmann::json::parse(outcome.body);
    EXPECT_EQ(echo["method"], "POST");
    EXPECT_EQ(echo["path"], "/seq/echo/echo?Action=Test");
    EXPECT_EQ(echo["body"], request.body);
    std::map<std::string, std::string> headers;
    for (const auto &pair : echo["headers"]) headers[pair[0].get<std::string>()] = pair[1].get<std::string>();
    EXPECT_EQ(headers["Content-Type"], "application/x-amz-json-1.1");
    EXPECT_EQ(headers["X-Amz-Target"], "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken");
    EXPECT_EQ(headers.count("Expect"), 0U);
    EXPECT_THAT(headers["User-Agent"], HasSubstr("pullcred/"));
}

TEST_F(HttpClient, NoContentTypeOfItsOwn) {
    Request request;
    request.method = "PUT";
    request.url = server().http_url("/seq/echo-put/echo");
    request.body = "Action=AssumeRole";
    const auto outcome = call(request, quick_policy());
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
    const auto echo = nlohmann::json::parse(outcome.body);
    EXPECT_EQ(echo["method"], "PUT");
    EXPECT_EQ(echo["body"], "Action=AssumeRole");
    for (const auto &pair : echo["headers"]) EXPECT_NE(pair[0].get<std::string>(), "Content-Type");
}

TEST_F(HttpClient, OnlyHttpAndHttpsUrls) {
    for (const char *url : {"ftp://127.0.0.1/file", "file:///etc/passwd", "gopher://127.0.0.1/"}) {
        const auto outcome = call(get(url), quick_policy());
        EXPECT_EQ(outcome.status, PULLCRED_FAILED) << url;
        EXPECT_THAT(outcome.error, HasSubstr("only http:// and https://")) << url;
    }
}

TEST_F(HttpClient, MalformedRequestsAreRejected) {
    auto bad_header = get("http://127.0.0.1:" + std::to_string(unused_port()) + "/");
    bad_header.headers = {{"X-Injected", "value\r\nEvil: 1"}};
    auto outcome = call(bad_header, quick_policy());
    EXPECT_EQ(outcome.status, PULLCRED_FAILED);
    EXPECT_THAT(outcome.error, AllOf(HasSubstr("X-Injected"), Not(HasSubstr("Evil"))));

    auto bad_method = get("http://127.0.0.1:" + std::to_string(unused_port()) + "/");
    bad_method.method = "GET /x";
    outcome = call(bad_method, quick_policy());
    EXPECT_EQ(outcome.status, PULLCRED_FAILED);
    EXPECT_THAT(outcome.error, HasSubstr("method"));

    outcome = call(get("not a url"), quick_policy());
    EXPECT_EQ(outcome.status, PULLCRED_FAILED);
    EXPECT_THAT(outcome.error, HasSubstr("malformed"));
}

TEST_F(HttpClient, ErrorTextsHoldNoSecrets) {
    auto policy = quick_policy();
    policy.max_attempts = 1;
    Request request;
    request.method = "POST";
    request.url = "http://127.0.0.1:" + std::to_string(unused_port()) + "/path?X-Amz-Signature=sig-in-query";
    request.headers = {{"Authorization", "AWS4-HMAC-SHA256 secret-in-header"},
                       {"X-Amz-Security-Token", "token-in-header"}};
    request.body = "secret-in-body";
    const auto outcome = call(request, policy);
    EXPECT_EQ(outcome.status, PULLCRED_RETRYABLE);
    EXPECT_THAT(outcome.error, HasSubstr("/path"));
    for (const char *secret : {"sig-in-query", "secret-in-header", "token-in-header", "secret-in-body"}) {
        EXPECT_THAT(outcome.error, Not(HasSubstr(secret)));
    }
}

// ---- Proxies ----

TEST_F(HttpClient, HttpProxyIsUsed) {
    ::setenv("HTTP_PROXY", server().proxy_url().c_str(), 1);
    const auto outcome = call(get(server().http_url("/seq/proxied/200")), quick_policy());
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
    EXPECT_EQ(outcome.http_status, 200);
    EXPECT_EQ(outcome.header("X-Test-Proxy"), "seen");
}

TEST_F(HttpClient, LowerCaseHttpProxyIsUsed) {
    ::setenv("http_proxy", server().proxy_url().c_str(), 1);
    const auto outcome = call(get(server().http_url("/seq/proxied-lower/200")), quick_policy());
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
    EXPECT_EQ(outcome.header("X-Test-Proxy"), "seen");
}

TEST_F(HttpClient, NoProxyBypassesTheProxy) {
    ::setenv("HTTP_PROXY", server().proxy_url().c_str(), 1);
    ::setenv("NO_PROXY", "example.com,127.0.0.1", 1);
    const auto outcome = call(get(server().http_url("/seq/no-proxy/200")), quick_policy());
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
    EXPECT_EQ(outcome.http_status, 200);
    EXPECT_EQ(outcome.header("X-Test-Proxy"), std::nullopt);
}

TEST_F(HttpClient, NoProxyForOtherHostsKeepsTheProxy) {
    ::setenv("HTTP_PROXY", server().proxy_url().c_str(), 1);
    ::setenv("no_proxy", "example.com,10.0.0.0/8", 1);
    const auto outcome = call(get(server().http_url("/seq/no-proxy-other/200")), quick_policy());
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
    EXPECT_EQ(outcome.header("X-Test-Proxy"), "seen");
}

TEST_F(HttpClient, IgnoreProxyFlag) {
    ::setenv("HTTP_PROXY", server().proxy_url().c_str(), 1);
    auto request = get(server().http_url("/seq/ignore-proxy/200"));
    request.flags = PULLCRED_HTTP_IGNORE_PROXY;
    const auto outcome = call(request, quick_policy());
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
    EXPECT_EQ(outcome.header("X-Test-Proxy"), std::nullopt);
}

TEST_F(HttpClient, HttpsProxyDoesNotApplyToHttpUrls) {
    ::setenv("HTTPS_PROXY", server().proxy_url().c_str(), 1);
    const auto outcome = call(get(server().http_url("/seq/https-proxy-only/200")), quick_policy());
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
    EXPECT_EQ(outcome.header("X-Test-Proxy"), std::nullopt);
}

int proxy_tunnels() {
    Request request;
    request.url = HttpClient::server().http_url("/count/proxy-connect");
    request.flags = PULLCRED_HTTP_IGNORE_PROXY;
    const auto outcome = call(request, quick_policy());
    return outcome.status == PULLCRED_OK ? std::atoi(outcome.body.c_str()) : -1;
}

TEST_F(HttpClient, HttpsThroughAConnectProxy) {
    ::setenv("HTTPS_PROXY", server().proxy_url().c_str(), 1);
    auto request = get(server().https_url("/seq/tunnel/500,200"));
    request.ca_bundle = server().ca_file();
    const int before = proxy_tunnels();
    const auto outcome = call(request, quick_policy());
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
    EXPECT_EQ(outcome.http_status, 200);
    EXPECT_EQ(outcome.attempt(), 2);
    EXPECT_GT(proxy_tunnels(), before);
}

TEST_F(HttpClient, UntrustedCertificateThroughAConnectProxy) {
    ::setenv("HTTPS_PROXY", server().proxy_url().c_str(), 1);
    auto request = get(server().https_url("/seq/tunnel-untrusted/200"));
    request.ca_bundle = server().other_ca_file();
    const int before = proxy_tunnels();
    const auto outcome = call(request, quick_policy());
    EXPECT_EQ(outcome.status, PULLCRED_FAILED);
    EXPECT_THAT(outcome.error,
                AllOf(HasSubstr("not trusted"), HasSubstr("via proxy " + server().proxy_url())));
    EXPECT_EQ(proxy_tunnels(), before + 1) << "one tunnel: a TLS verification failure is not retried";
}

TEST_F(HttpClient, NoProxyBypassesTheHttpsProxy) {
    ::setenv("HTTPS_PROXY", server().proxy_url().c_str(), 1);
    ::setenv("NO_PROXY", "localhost,127.0.0.0/8", 1);
    auto request = get(server().https_url("/seq/no-tunnel/200"));
    request.ca_bundle = server().ca_file();
    const int before = proxy_tunnels();
    const auto outcome = call(request, quick_policy());
    ASSERT_EQ(outcome.status, PULLCRED_OK) << outcome.error;
    EXPECT_EQ(proxy_tunnels(), before);
}

TEST_F(HttpClient, UnreachableProxyIsNamedWithoutItsPassword) {
    auto policy = quick_policy();
    policy.max_attempts = 2;
    const auto port = std::to_string(unused_port());
    const std::string proxy = "http://user:hunter2@127.0.0.1:" + port;
    ::setenv("HTTP_PROXY", proxy.c_str(), 1);
    const auto outcome = call(get(server().http_url("/seq/dead-proxy/200")), policy);
    EXPECT_EQ(outcome.status, PULLCRED_RETRYABLE);
    EXPECT_THAT(outcome.error, AllOf(HasSubstr("via proxy http://127.0.0.1:" + port), HasSubstr("HTTP_PROXY"),
                                     HasSubstr("2 attempts"), Not(HasSubstr("hunter2"))));
}

} // namespace
} // namespace pullcred::net::testing
