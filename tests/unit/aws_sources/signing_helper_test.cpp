#include <gtest/gtest.h>

#include "aws/sources/signing_helper.hpp"
#include "host_redaction.hpp"

using pullcred::aws::sources::parse_signing_helper_command;
using Kind = pullcred::aws::sources::SigningHelperCommand::Kind;

namespace {
const std::string kRequired =
    " --certificate /pki/node.pem --private-key /pki/node.pem"
    " --trust-anchor-arn arn:aws:rolesanywhere:us-west-2:111122223333:trust-anchor/ta"
    " --profile-arn arn:aws:rolesanywhere:us-west-2:111122223333:profile/p"
    " --role-arn arn:aws:iam::111122223333:role/pull";
}

TEST(SigningHelper, RecognisesTheHelperAndMapsEveryFlag) {
    auto parsed = parse_signing_helper_command(
        "/usr/local/bin/aws_signing_helper credential-process" + kRequired +
        " --intermediates /pki/chain.pem --region eu-west-1 --session-duration 900 --endpoint https://ra.test"
        " --role-session-name node-1 --no-verify-ssl --with-proxy --debug");
    ASSERT_EQ(parsed.kind, Kind::native) << parsed.reason;
    const nlohmann::json expected{
        {"certificate", "/pki/node.pem"},
        {"privateKey", "/pki/node.pem"},
        {"trustAnchorArn", "arn:aws:rolesanywhere:us-west-2:111122223333:trust-anchor/ta"},
        {"profileArn", "arn:aws:rolesanywhere:us-west-2:111122223333:profile/p"},
        {"roleArn", "arn:aws:iam::111122223333:role/pull"},
        {"intermediates", "/pki/chain.pem"},
        {"region", "eu-west-1"},
        {"sessionDuration", 900},
        {"endpoint", "https://ra.test"},
        {"roleSessionName", "node-1"},
        {"noVerifySsl", true},
        {"withProxy", true}};
    EXPECT_EQ(parsed.config, expected);
}

TEST(SigningHelper, HonoursQuotingEqualsAndLastOccurrence) {
    auto parsed = parse_signing_helper_command(
        "'aws_signing_helper' credential-process" + kRequired +
        " --certificate='/path with spaces/c.pem' --private-key \"/k dir/key.pem\" --with-proxy=false"
        " --region=us-east-2 --role-session-name a\\ b");
    ASSERT_EQ(parsed.kind, Kind::native) << parsed.reason;
    EXPECT_EQ(parsed.config["certificate"], "/path with spaces/c.pem");
    EXPECT_EQ(parsed.config["privateKey"], "/k dir/key.pem");
    EXPECT_EQ(parsed.config["withProxy"], false);
    EXPECT_EQ(parsed.config["region"], "us-east-2");
    EXPECT_EQ(parsed.config["roleSessionName"], "a b");
}

TEST(SigningHelper, OtherCommandsAreNotTheHelper) {
    for (const char *line :
         {"", "   ", "/bin/creds", "aws_signing_helper", "aws_signing_helper version",
          "aws_signing_helper serve --certificate c", "aws_signing_helper_x credential-process",
          "/opt/aws_signing_helper.sh credential-process", "echo aws_signing_helper credential-process",
          "aws_signing_helper credential-process $(cat x)"})
        EXPECT_EQ(parse_signing_helper_command(line).kind, Kind::other) << line;
}

TEST(SigningHelper, WhatOnlyTheHelperCanDoIsSpawned) {
    const std::string base = "aws_signing_helper credential-process" + kRequired;
    struct Case {
        std::string line;
        std::string reason;
    };
    const Case cases[] = {
        {base + " --cert-selector x", "--cert-selector"},
        {base + " --pkcs8-password", "no value"},
        {base + " positional", "argument"},
        {base + " -certificate x", "argument"},
        {base + " --session-duration", "no value"},
        {base + " --session-duration 1h", "whole number"},
        {base + " --no-verify-ssl=yes", "true or false"},
        {base + " --region=", "empty"},
        {"aws_signing_helper credential-process --certificate c --private-key k --profile-arn p --role-arn r",
         "--trust-anchor-arn is missing"},
    };
    for (const auto &[line, reason] : cases) {
        auto parsed = parse_signing_helper_command(line);
        EXPECT_EQ(parsed.kind, Kind::spawn) << line;
        EXPECT_NE(parsed.reason.find(reason), std::string::npos) << line << " -> " << parsed.reason;
        EXPECT_EQ(parsed.reason.find("hunter2"), std::string::npos);
        EXPECT_EQ(parsed.reason.find("0x81000001"), std::string::npos);
    }
}

TEST(SigningHelper, APkcs12CertificateAloneIsServedNatively) {
    auto parsed = parse_signing_helper_command(
        "aws_signing_helper credential-process --certificate /pki/node.p12"
        " --trust-anchor-arn arn:aws:rolesanywhere:us-west-2:111122223333:trust-anchor/ta"
        " --profile-arn arn:aws:rolesanywhere:us-west-2:111122223333:profile/p"
        " --role-arn arn:aws:iam::111122223333:role/pull");
    ASSERT_EQ(parsed.kind, Kind::native) << parsed.reason;
    EXPECT_EQ(parsed.config["certificate"], "/pki/node.p12");
    EXPECT_FALSE(parsed.config.contains("privateKey"));
}

TEST(SigningHelper, HardwareKeysAndPasswordsAreServedNativelyAndNeverShown) {
    use_host_redaction();
    auto parsed = parse_signing_helper_command(
        "aws_signing_helper credential-process --certificate "
        "'pkcs11:token=node-hsm;object=ra?pin-value=4711-pin'"
        " --pkcs11-lib /usr/lib/softhsm/libsofthsm2.so --reuse-pin"
        " --trust-anchor-arn arn:aws:rolesanywhere:us-west-2:111122223333:trust-anchor/ta"
        " --profile-arn arn:aws:rolesanywhere:us-west-2:111122223333:profile/p"
        " --role-arn arn:aws:iam::111122223333:role/pull --pkcs8-password hunter2-pk8");
    ASSERT_EQ(parsed.kind, Kind::native) << parsed.reason;
    EXPECT_EQ(parsed.config["certificate"], "pkcs11:token=node-hsm;object=ra?pin-value=4711-pin");
    EXPECT_EQ(parsed.config["pkcs11Lib"], "/usr/lib/softhsm/libsofthsm2.so");
    EXPECT_EQ(parsed.config["reusePin"], true);
    EXPECT_EQ(parsed.config["privateKeyPassword"], "hunter2-pk8");
    auto tpm = parse_signing_helper_command(
        "aws_signing_helper credential-process --certificate /pki/node.pem --private-key handle:0x81000001"
        " --tpm-key-password tpm-pw-0042 --no-tpm-key-password=false"
        " --trust-anchor-arn arn:aws:rolesanywhere:us-west-2:111122223333:trust-anchor/ta"
        " --profile-arn arn:aws:rolesanywhere:us-west-2:111122223333:profile/p"
        " --role-arn arn:aws:iam::111122223333:role/pull");
    ASSERT_EQ(tpm.kind, Kind::native) << tpm.reason;
    EXPECT_EQ(tpm.config["privateKey"], "handle:0x81000001");
    EXPECT_EQ(tpm.config["tpmKeyPassword"], "tpm-pw-0042");
    EXPECT_EQ(tpm.config["noTpmKeyPassword"], false);
    // Read once, the secrets are redacted from every later output.
    const auto shown = pullcred::log::redact("failed: 4711-pin hunter2-pk8 tpm-pw-0042 token=node-hsm");
    EXPECT_EQ(shown, "failed: [REDACTED] [REDACTED] [REDACTED] token=[REDACTED]");
}
