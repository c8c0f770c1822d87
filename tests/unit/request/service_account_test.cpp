#include <gtest/gtest.h>

#include <cstdlib>

#include "config/model_builder.hpp"
#include "request/service_account.hpp"

using pullcred::request::token_identity;

// Tokens are unverified JWTs (payloads made with Python's base64 module).
TEST(TokenIdentity, SubjectAndUidOfAServiceAccountToken) {
    // {"sub":"system:serviceaccount:ns:app","kubernetes.io":{"serviceaccount":{"uid":"u-1"}}}
    EXPECT_EQ(
        token_identity("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6bnM6YXBwIiwia3ViZXJuZXRl"
                       "cy5pbyI6eyJzZXJ2aWNlYWNjb3VudCI6eyJ1aWQiOiJ1LTEifX19.sig"),
        "system:serviceaccount:ns:app/u-1");
}

TEST(TokenIdentity, AClaimOfTheWrongTypeIsIgnoredNotThrown) {
    // "uid": 7
    EXPECT_EQ(
        token_identity("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6bnM6YXBwIiwia3ViZXJuZXRl"
                       "cy5pbyI6eyJzZXJ2aWNlYWNjb3VudCI6eyJ1aWQiOjd9fX0.sig"),
        "system:serviceaccount:ns:app");
    // {"sub":5}: no usable subject, so the token's hash
    EXPECT_EQ(token_identity("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOjV9.sig").rfind("token-sha256:", 0), 0U);
}

TEST(TokenIdentity, ATokenThatIsNoJwtIsKnownByItsHash) {
    EXPECT_EQ(token_identity("not-a-jwt"),
              "token-sha256:0a43e0ba27a52f82f1a72aa05f7fb56df5ad402bb24c99ca7415b2bcaf383cb5");
}

namespace {

using pullcred::request::is_iam_role_arn;
using pullcred::request::lacks_required_token;
using pullcred::request::plan_service_account;

// The rule as the config model builds it from a serviceAccount object.
pullcred::config::Rule rule_with(nlohmann::json service_account) {
    nlohmann::json rule{{"matchImages", nlohmann::json::array({"x.io"})},
                        {"backend", "aws.ecr"},
                        {"serviceAccount", std::move(service_account)}};
    pullcred::config::Config config;
    std::vector<pullcred::config::Problem> problems;
    pullcred::config::build_config({{"registries", nlohmann::json::array({rule})}}, config, problems);
    EXPECT_TRUE(problems.empty());
    auto built = config.registries.at(0);
    built.index = 2;
    return built;
}

pullcred::kubelet::Request request_with(std::optional<std::string> token,
                                        std::map<std::string, std::string> annotations = {}) {
    pullcred::kubelet::Request request;
    request.image = "111122223333.dkr.ecr.us-west-2.amazonaws.com/app";
    request.service_account_token = std::move(token);
    request.service_account_annotations = std::move(annotations);
    return request;
}

} // namespace

TEST(IamRoleArn, AcceptsRolesInEveryPartitionWithPaths) {
    for (const char *arn :
         {"arn:aws:iam::111122223333:role/ecr-pull", "arn:aws-cn:iam::111122223333:role/a",
          "arn:aws-us-gov:iam::111122223333:role/team/sub/r+=,.@-_9", "arn:aws-iso:iam::111122223333:role/r",
          "arn:aws-iso-b:iam::111122223333:role/r", "arn:aws-iso-e:iam::111122223333:role/r",
          "arn:aws-iso-f:iam::111122223333:role/r", "arn:aws-eusc:iam::111122223333:role/r"})
        EXPECT_TRUE(is_iam_role_arn(arn)) << arn;
    EXPECT_TRUE(is_iam_role_arn("arn:aws:iam::111122223333:role/" + std::string(64, 'n')));
    EXPECT_TRUE(is_iam_role_arn("arn:aws:iam::111122223333:role/" + std::string(509, 'p') + "/n"));
}

TEST(IamRoleArn, RefusesEverythingElse) {
    for (const char *arn : {"", "ecr-pull", "arn:aws:iam::111122223333:user/bob",
                            "arn:aws:iam::11112222333:role/r", "arn:aws:iam::1111222233334:role/r",
                            "arn:aws:iam::11112222333x:role/r", "arn:aws:sts::111122223333:role/r",
                            "arn:aws:iam:us-east-1:111122223333:role/r", "arn:azure:iam::111122223333:role/r",
                            "arn:aws:iam::111122223333:role/", "arn:aws:iam::111122223333:role/a//b",
                            "arn:aws:iam::111122223333:role//b", "arn:aws:iam::111122223333:role/a/",
                            "arn:aws:iam::111122223333:role/r x", "arn:aws:iam::111122223333:role/r\n",
                            "arn:aws:iam::111122223333:role/r*", "ARN:aws:iam::111122223333:role/r"})
        EXPECT_FALSE(is_iam_role_arn(arn)) << arn;
    EXPECT_FALSE(is_iam_role_arn("arn:aws:iam::111122223333:role/" + std::string(65, 'n')));
    EXPECT_FALSE(is_iam_role_arn("arn:aws:iam::111122223333:role/" + std::string(511, 'p') + "/n"));
}

TEST(PlanServiceAccount, ABadAnnotationIsRefusedWithOneBoundedLineNamingIt) {
    const std::string hostile = "not-an-arn\n\x1b[31m" + std::string(100000, 'x');
    auto plan = plan_service_account(request_with("token", {{"eks.amazonaws.com/ecr-role-arn", hostile}}),
                                     rule_with(nlohmann::json::object()));
    ASSERT_FALSE(plan.ok());
    const auto &message = plan.error().message;
    EXPECT_NE(message.find("annotation \"eks.amazonaws.com/ecr-role-arn\""), std::string::npos) << message;
    EXPECT_NE(message.find("not an IAM role ARN; set it to arn:<partition>:iam::"), std::string::npos);
    EXPECT_EQ(message.find('\n'), std::string::npos);
    EXPECT_EQ(message.find('\x1b'), std::string::npos);
    EXPECT_LT(message.size(), 2048U);
}

TEST(PlanServiceAccount, ABadRoleArnSettingOrEnvironmentIsRefusedToo) {
    auto from_rule = plan_service_account(request_with("token"), rule_with({{"roleArn", "role/ecr"}}));
    ASSERT_FALSE(from_rule.ok());
    EXPECT_NE(from_rule.error().message.find("registries[2].serviceAccount.roleArn is \"role/ecr\""),
              std::string::npos);
    ::setenv("AWS_ECR_ROLE_ARN", "arn:aws:iam::1:role/r", 1);
    auto from_env = plan_service_account(request_with("token"), rule_with(nlohmann::json::object()));
    ::unsetenv("AWS_ECR_ROLE_ARN");
    ASSERT_FALSE(from_env.ok());
    EXPECT_NE(from_env.error().message.find("$AWS_ECR_ROLE_ARN is \"arn:aws:iam::1:role/r\""),
              std::string::npos);
}

TEST(PlanServiceAccount, AGoodAnnotationIsPlanned) {
    auto plan = plan_service_account(
        request_with("token", {{"eks.amazonaws.com/ecr-role-arn", "arn:aws:iam::111122223333:role/team-a"}}),
        rule_with(nlohmann::json::object()));
    ASSERT_TRUE(plan.ok());
    ASSERT_TRUE(plan->has_value());
    EXPECT_EQ((*plan)->role_arn, "arn:aws:iam::111122223333:role/team-a");
}

TEST(LacksRequiredToken, OnlyARequiredRuleWithoutATokenIsRefused) {
    EXPECT_TRUE(lacks_required_token(request_with(std::nullopt), rule_with({{"required", true}})));
    EXPECT_FALSE(lacks_required_token(request_with("token"), rule_with({{"required", true}})));
    EXPECT_FALSE(lacks_required_token(request_with(std::nullopt), rule_with({{"required", false}})));
    EXPECT_FALSE(lacks_required_token(request_with(std::nullopt), rule_with({{"required", "yes"}})));
    EXPECT_FALSE(lacks_required_token(request_with(std::nullopt), rule_with(nlohmann::json::object())));
    const auto note = pullcred::request::missing_token_note(rule_with({{"required", true}}));
    EXPECT_NE(note.find("registries[2] requires a service-account token"), std::string::npos);
    EXPECT_NE(note.find("tokenAttributes"), std::string::npos);
}
