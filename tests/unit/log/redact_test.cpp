#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "log/redact.hpp"

using pullcred::log::redact;
using pullcred::log::register_secret;
using testing::HasSubstr;
using testing::Not;

TEST(Redact, RemovesRegisteredSecretsWhereverTheyAppear) {
    register_secret("wJalrXUtnFEMI-registered-secret");
    EXPECT_EQ(redact("key=wJalrXUtnFEMI-registered-secret;again wJalrXUtnFEMI-registered-secret"),
              "key=[REDACTED];again [REDACTED]");
}

TEST(Redact, RemovesTheLongerOfOverlappingSecretsWhole) {
    register_secret("overlap-secret");
    register_secret("overlap-secret-longer-form");
    EXPECT_EQ(redact("x overlap-secret-longer-form y"), "x [REDACTED] y");
}

TEST(Redact, IgnoresTooShortValuesSoOrdinaryTextSurvives) {
    register_secret("a");
    register_secret("");
    EXPECT_EQ(redact("a cat and a dog"), "a cat and a dog");
}

TEST(Redact, RemovesJwtsEvenWhenNotRegistered) {
    const std::string jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJl";
    EXPECT_EQ(redact("token " + jwt + " rejected"), "token [REDACTED] rejected");
}

TEST(Redact, RemovesPemPrivateKeysButNotCertificates) {
    const std::string pem =
        "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBase64Stuff\n-----END EC PRIVATE KEY-----";
    const std::string cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
    const auto out = redact("key: " + pem + " cert: " + cert);
    EXPECT_THAT(out, Not(HasSubstr("Base64Stuff")));
    EXPECT_THAT(out, HasSubstr("MIIB"));
}

TEST(Redact, RemovesValuesOfSecretNamedFields) {
    EXPECT_THAT(redact(R"({"SecretAccessKey":"abc123XYZ","AccessKeyId":"AKIDPUBLIC"})"),
                testing::AllOf(Not(HasSubstr("abc123XYZ")), HasSubstr("AKIDPUBLIC")));
    EXPECT_THAT(redact("aws_secret_access_key = s3cr3tvalue"), Not(HasSubstr("s3cr3tvalue")));
    EXPECT_THAT(redact("Action=AssumeRoleWithWebIdentity&WebIdentityToken=opaque-token&RoleArn=x"),
                Not(HasSubstr("opaque-token")));
    EXPECT_THAT(redact(R"("password": "hunter22")"), Not(HasSubstr("hunter22")));
    EXPECT_THAT(redact(R"("SessionToken":"FwoGZXIvYXdz")"), Not(HasSubstr("FwoGZXIvYXdz")));
}

TEST(Redact, LeavesOrdinaryDiagnosticsAlone) {
    const std::vector<std::string> ordinary{
        "profile default: aws.ecr failed: AccessDeniedException in us-west-2 (token expired?)",
        "profile secret: aws.static failed: no such file", "token: the request has no serviceAccountToken",
        "mysecret: value", "secretDir = /etc/pullcred/secrets"};
    for (const auto &text : ordinary) EXPECT_EQ(redact(text), text);
}

TEST(Redact, PemKeyBodySplitByASecretFieldIsStillRemoved) {
    // Found by the redact fuzz target (tests/fuzz/crashes/redact/).
    const auto out =
        redact("x\n-----BEGIN secret=----- PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END PRIVATE KEY-----\n");
    EXPECT_THAT(out, Not(HasSubstr("MIIEpAIBAAKCAQEA")));
}

TEST(Redact, ASecretCompletedByAMarkerIsRemovedInOnePass) {
    register_secret("tail-secret-efgh");
    register_secret("ssss[REDACTED]");
    const auto once = redact("sssssssssssssssssssssssssssstail-secret-efgh}");
    EXPECT_EQ(once, "[REDACTED]}");
    EXPECT_EQ(redact(once), once);
}

TEST(Redact, ASecretSpelledByTheMarkerDoesNotGrowTheText) {
    register_secret("DACT");
    EXPECT_EQ(redact("x [REDACTED] y DACT"), "x [REDACTED] y [REDACTED]");
}

TEST(Redact, Pkcs11UrisKeepTheirTokenLabelButNeverThePin) {
    EXPECT_EQ(redact("certificate pkcs11:token=node-hsm;object=ra-key?pin-value=7391-2846: login failed"),
              "certificate pkcs11:token=node-hsm;object=ra-key?pin-value=[REDACTED] login failed");
    EXPECT_EQ(redact("--private-key 'pkcs11:model=SoftHSM%20v2;token=t1?module-path=/m.so&pin-value=48213'"),
              "--private-key 'pkcs11:model=SoftHSM%20v2;token=t1?module-path=/m.so&pin-value=[REDACTED]");
    // Outside a PKCS#11 URI, token= stays a secret.
    EXPECT_THAT(redact("url?token=abcdef123456&x=1"), Not(HasSubstr("abcdef123456")));
    EXPECT_THAT(redact("pkcs11:object=a other token=abcdef123456"), Not(HasSubstr("abcdef123456")));
}
