// HMAC SigV4: the public AWS example, key derivation, error handling.
#include "aws/sigv4/sigv4.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace pullcred::aws {
namespace {

using namespace std::chrono;

constexpr const char *kAccessKeyId = "AKIDEXAMPLE";
constexpr const char *kSecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

system_clock::time_point at(year_month_day day, hours h, minutes m, seconds s) {
    return sys_days{day} + h + m + s;
}

// get-vanilla from the public SigV4 test suite (aws-sig-v4-test-suite).
TEST(sigv4_known_vectors, GetVanilla) {
    HttpRequestToSign request{"GET", "https://example.amazonaws.com/", {}, ""};
    AwsCredentials credentials{kAccessKeyId, kSecretKey, ""};
    SigningScope scope{"service", "us-east-1", at(2015y / August / 30, 12h, 36min, 0s)};

    auto signature = sign_sigv4_detailed(request, credentials, scope);
    ASSERT_TRUE(signature.ok()) << signature.error().message;
    EXPECT_EQ(signature->prepared.canonical_request.text,
              "GET\n"
              "/\n"
              "\n"
              "host:example.amazonaws.com\n"
              "x-amz-date:20150830T123600Z\n"
              "\n"
              "host;x-amz-date\n"
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(signature->prepared.string_to_sign,
              "AWS4-HMAC-SHA256\n"
              "20150830T123600Z\n"
              "20150830/us-east-1/service/aws4_request\n"
              "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
    const HeaderList expected = {
        {"X-Amz-Date", "20150830T123600Z"},
        {"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                          "SignedHeaders=host;x-amz-date, "
                          "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
    };
    EXPECT_EQ(signature->headers, expected);

    auto plain = sign_sigv4(request, credentials, scope);
    ASSERT_TRUE(plain.ok());
    EXPECT_EQ(*plain, expected);
}

// "Examples of how to derive a signing key for Signature Version 4" (AWS docs).
TEST(sigv4_known_vectors, DerivedSigningKey) {
    auto key = derive_signing_key(kSecretKey, "20120215", "us-east-1", "iam");
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(to_hex(*key), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST(sigv4_known_vectors, HashesAndHmac) {
    auto empty = sha256_hex("");
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(*empty, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    // RFC 4231 test case 2.
    auto mac = hmac_sha256("Jefe", "what do ya want for nothing?");
    ASSERT_TRUE(mac.ok());
    EXPECT_EQ(to_hex(*mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(sigv4_known_vectors, AmzDate) {
    auto date = format_amz_date(at(2024y / February / 29, 23h, 59min, 59s) + milliseconds(999));
    ASSERT_TRUE(date.ok());
    EXPECT_EQ(*date, "20240229T235959Z");
    auto epoch = format_amz_date(system_clock::time_point{});
    ASSERT_TRUE(epoch.ok());
    EXPECT_EQ(*epoch, "19700101T000000Z");
    auto before_epoch = format_amz_date(system_clock::time_point{} - milliseconds(1));
    ASSERT_TRUE(before_epoch.ok());
    EXPECT_EQ(*before_epoch, "19691231T235959Z");
    EXPECT_EQ(credential_scope("20240229T235959Z", "eu-west-1", "ecr"),
              "20240229/eu-west-1/ecr/aws4_request");
}

TEST(sigv4_signer, SessionTokenIsSignedAndReturned) {
    HttpRequestToSign request{"POST", "https://sts.us-east-1.amazonaws.com/", {}, "Action=GetCallerIdentity"};
    AwsCredentials credentials{"ASIAEXAMPLE", kSecretKey, "FwoGZXIvYXdzEXAMPLE//token=="};
    SigningScope scope{"sts", "us-east-1", at(2026y / November / 28, 10h, 0min, 0s)};
    auto signature = sign_sigv4_detailed(request, credentials, scope);
    ASSERT_TRUE(signature.ok()) << signature.error().message;
    ASSERT_EQ(signature->headers.size(), 3u);
    EXPECT_EQ(signature->headers[0], (std::pair<std::string, std::string>{"X-Amz-Date", "20261128T100000Z"}));
    EXPECT_EQ(signature->headers[1],
              (std::pair<std::string, std::string>{"X-Amz-Security-Token", credentials.session_token}));
    EXPECT_EQ(signature->headers[2].first, "Authorization");
    EXPECT_NE(signature->headers[2].second.find("SignedHeaders=host;x-amz-date;x-amz-security-token,"),
              std::string::npos);
    EXPECT_NE(signature->prepared.canonical_request.text.find(
                  "\nx-amz-security-token:" + credentials.session_token + "\n"),
              std::string::npos);
}

TEST(sigv4_signer, RejectsHeadersTheSignerOwns) {
    AwsCredentials credentials{kAccessKeyId, kSecretKey, ""};
    SigningScope scope{"ecr", "us-east-1", system_clock::now()};
    for (const char *name : {"Authorization", "X-Amz-Date", "x-amz-security-token", "DATE"}) {
        HttpRequestToSign request{"GET", "https://example.com/", {{name, "x"}}, ""};
        auto signature = sign_sigv4(request, credentials, scope);
        EXPECT_FALSE(signature.ok()) << name;
    }
}

TEST(sigv4_signer, RejectsBadCredentialsAndScope) {
    const HttpRequestToSign request{"GET", "https://example.com/", {}, ""};
    const SigningScope scope{"ecr", "us-east-1", system_clock::now()};
    const AwsCredentials good{kAccessKeyId, kSecretKey, ""};
    ASSERT_TRUE(sign_sigv4(request, good, scope).ok());

    EXPECT_FALSE(sign_sigv4(request, {"", kSecretKey, ""}, scope).ok());
    EXPECT_FALSE(sign_sigv4(request, {"AKID/X", kSecretKey, ""}, scope).ok());
    EXPECT_FALSE(sign_sigv4(request, {"AKID X", kSecretKey, ""}, scope).ok());
    EXPECT_FALSE(sign_sigv4(request, {kAccessKeyId, "", ""}, scope).ok());
    EXPECT_FALSE(sign_sigv4(request, {kAccessKeyId, kSecretKey, "tok\r\nX-Evil: 1"}, scope).ok());
    EXPECT_FALSE(sign_sigv4(request, good, {"", "us-east-1", scope.time}).ok());
    EXPECT_FALSE(sign_sigv4(request, good, {"ecr", "", scope.time}).ok());
    EXPECT_FALSE(sign_sigv4(request, good, {"ecr", "us-east-1/x", scope.time}).ok());
    EXPECT_FALSE(sign_sigv4(request, good, {"e cr", "us-east-1", scope.time}).ok());
    EXPECT_FALSE(sign_sigv4(request, good, {"s3", "us-east-1", scope.time}).ok());
}

TEST(sigv4_signer, ErrorsNeverContainSecrets) {
    const std::string secret = "SECRETwJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const std::string token = "TOKENFwoGZXIvYXdzEXAMPLE";
    const SigningScope scope{"ecr", "us-east-1", system_clock::now()};
    const std::vector<std::pair<HttpRequestToSign, AwsCredentials>> failing = {
        {{"GET", "https://user:" + secret.substr(0, 20) + "@example.com/", {}, ""},
         {kAccessKeyId, secret, token}},
        {{"GET", "https://example.com/", {{"X-Amz-Security-Token", token}}, ""},
         {kAccessKeyId, secret, token}},
        {{"GET", "https://example.com/", {{"X-A", secret + "\n"}}, ""}, {kAccessKeyId, secret, token}},
        {{"GET", "https://example.com/", {}, ""}, {kAccessKeyId, secret, token + "\n"}},
        {{"GET", "https://example.com/", {}, ""}, {"", secret, token}},
        {{"G T", "https://example.com/", {}, secret}, {kAccessKeyId, secret, token}},
    };
    for (const auto &[request, credentials] : failing) {
        auto signature = sign_sigv4(request, credentials, scope);
        ASSERT_FALSE(signature.ok());
        EXPECT_EQ(signature.error().message.find("SECRET"), std::string::npos) << signature.error().message;
        EXPECT_EQ(signature.error().message.find("TOKEN"), std::string::npos) << signature.error().message;
    }
}

TEST(sigv4_signer, PrepareSignatureChecksItsInputs) {
    const SigningScope scope{"rolesanywhere", "us-east-1", system_clock::now()};
    const HttpRequestToSign request{"POST",
                                    "https://rolesanywhere.us-east-1.amazonaws.com/sessions",
                                    {{"Content-Type", "application/json"}},
                                    "{}"};
    const auto list = [](std::vector<std::string> names) { return SignedHeaderSelection::exactly(names); };
    EXPECT_TRUE(prepare_signature(request, kX509RsaAlgorithm, scope, list({"host", "x-amz-date"})).ok());
    EXPECT_FALSE(prepare_signature(request, kX509RsaAlgorithm, scope, list({"x-amz-date"})).ok());
    EXPECT_FALSE(prepare_signature(request, kX509RsaAlgorithm, scope, list({"host", "content-type"})).ok());
    EXPECT_FALSE(prepare_signature(request, "", scope, SignedHeaderSelection::all_headers()).ok());
    EXPECT_FALSE(prepare_signature(request, "AWS4 X", scope, SignedHeaderSelection::all_headers()).ok());
    HttpRequestToSign dated = request;
    dated.headers.emplace_back("x-amz-date", "20180102T030405Z");
    EXPECT_FALSE(prepare_signature(dated, kX509RsaAlgorithm, scope, list({"host", "x-amz-date"})).ok());
}

} // namespace
} // namespace pullcred::aws
