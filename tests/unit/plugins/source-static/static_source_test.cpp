// The real source-static.so (aws.static), loaded through the host's module
// loader: its three inputs, re-reading on every call, and its errors.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <optional>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <utility>
#include <vector>

#include "log/redact.hpp"
#include "modules/instance.hpp"
#include "modules/registry.hpp"
#include "pullcred_test/scoped_env.hpp"
#include "pullcred_test/temp_dir.hpp"

using testing::AllOf;
using testing::HasSubstr;
using testing::Not;

namespace {

namespace fs = std::filesystem;

const pullcred::modules::FactoryRef &static_factory() {
    static auto discovery = pullcred::modules::discover_modules({}, {{STATIC_MODULE_PATH, ""}});
    const auto *ref = discovery.registry.find("aws.static");
    if (ref == nullptr) throw std::runtime_error("aws.static not found in " STATIC_MODULE_PATH);
    return *ref;
}

using pullcred_test::ScopedEnv;
using pullcred_test::TempDir;

class StaticSource : public testing::Test {
protected:
    void SetUp() override {
        for (const char *name :
             {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION",
              "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"})
            env.unset(name);
        environment.now_unix_ms = [] { return std::int64_t{1'700'000'000'000}; };
        environment.deadline_unix_ms = 1'700'000'045'000;
        environment.net_services = []() -> pullcred::Result<pullcred::net::NetServices *> {
            return pullcred::Error::failed("aws.static must not use the network");
        };
    }

    pullcred::Result<std::unique_ptr<pullcred::modules::Instance>> source(const nlohmann::json &settings) {
        return pullcred::modules::Instance::create(static_factory(), "profile p", &environment, settings);
    }

    // get_credentials on a fresh source.
    pullcred::Result<pullcred::sdk::Credentials> credentials(const nlohmann::json &settings) {
        auto instance = source(settings);
        if (!instance) return instance.error();
        return (*instance)->get_credentials({"p", "", {}});
    }

    pullcred::Status schema_check(const nlohmann::json &settings) {
        return pullcred::modules::validate_factory_config(static_factory(), settings, "profiles.p");
    }

    ScopedEnv env;
    TempDir dir;
    pullcred::modules::HostEnvironment environment;
};

constexpr const char *kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY";

void write_secret(const TempDir &dir, const std::string &sub = "secret") {
    dir.write(sub + "/AWS_ACCESS_KEY_ID", "AKIDSTATICTEST0001\n");
    dir.write(sub + "/AWS_SECRET_ACCESS_KEY", std::string(kSecret) + "\r\n");
    dir.write(sub + "/AWS_SESSION_TOKEN", "  session-token-0001 \n\n");
    dir.write(sub + "/REGION", "eu-west-1\n");
}

} // namespace

// ---- secretDir ----

TEST_F(StaticSource, SecretDirValuesAreTrimmed) {
    write_secret(dir);
    auto got = credentials({{"secretDir", dir.path("secret")}});
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->fields,
              (std::map<std::string, std::string, std::less<>>{{"access_key_id", "AKIDSTATICTEST0001"},
                                                               {"secret_access_key", kSecret},
                                                               {"session_token", "session-token-0001"},
                                                               {"region", "eu-west-1"}}));
    EXPECT_FALSE(got->expires_unix.has_value());
}

TEST_F(StaticSource, SecretDirOptionalFilesMayBeAbsentOrEmpty) {
    dir.write("secret/AWS_ACCESS_KEY_ID", "AKIDSTATICTEST0001");
    dir.write("secret/AWS_SECRET_ACCESS_KEY", kSecret);
    dir.write("secret/REGION", "\n");
    auto got = credentials({{"secretDir", dir.path("secret") + "/"}});
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->fields.size(), 2U);
    EXPECT_EQ(got->get("session_token"), "");
    EXPECT_EQ(got->get("region"), "");
}

TEST_F(StaticSource, RegionSettingOverridesTheSecret) {
    write_secret(dir);
    auto got = credentials({{"secretDir", dir.path("secret")}, {"region", "ap-northeast-1"}});
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->get("region"), "ap-northeast-1");
}

TEST_F(StaticSource, MissingKeyFileIsNamed) {
    write_secret(dir);
    fs::remove(dir.path("secret/AWS_SECRET_ACCESS_KEY"));
    auto got = credentials({{"secretDir", dir.path("secret")}});
    ASSERT_FALSE(got.ok());
    EXPECT_THAT(got.error().message,
                AllOf(HasSubstr("profile p: aws.static failed"),
                      HasSubstr(dir.path("secret/AWS_SECRET_ACCESS_KEY") + " is missing"),
                      HasSubstr("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")));
    fs::remove(dir.path("secret/AWS_ACCESS_KEY_ID"));
    auto both = credentials({{"secretDir", dir.path("secret")}});
    ASSERT_FALSE(both.ok());
    EXPECT_THAT(both.error().message, HasSubstr("AWS_ACCESS_KEY_ID is missing"));
}

TEST_F(StaticSource, EmptyKeyFileIsNamed) {
    write_secret(dir);
    dir.write("secret/AWS_ACCESS_KEY_ID", " \n");
    auto got = credentials({{"secretDir", dir.path("secret")}});
    ASSERT_FALSE(got.ok());
    EXPECT_THAT(got.error().message, HasSubstr(dir.path("secret/AWS_ACCESS_KEY_ID") + " is empty"));
}

TEST_F(StaticSource, MissingOrWrongSecretDir) {
    auto missing = credentials({{"secretDir", dir.path("nowhere")}});
    ASSERT_FALSE(missing.ok());
    EXPECT_THAT(missing.error().message, HasSubstr("secretDir " + dir.path("nowhere") + " does not exist"));
    const auto file = dir.write("plain", "x");
    auto not_dir = credentials({{"secretDir", file}});
    ASSERT_FALSE(not_dir.ok());
    EXPECT_THAT(not_dir.error().message, HasSubstr("is not a directory"));
}

TEST_F(StaticSource, InnerBlanksAreRefusedWithoutQuotingTheValue) {
    write_secret(dir);
    dir.write("secret/AWS_SECRET_ACCESS_KEY", std::string(kSecret) + "\nsecond-line-of-secret\n");
    auto got = credentials({{"secretDir", dir.path("secret")}});
    ASSERT_FALSE(got.ok());
    EXPECT_THAT(got.error().message, AllOf(HasSubstr("AWS_SECRET_ACCESS_KEY"), HasSubstr("blanks or control"),
                                           Not(HasSubstr(kSecret)), Not(HasSubstr("second-line"))));
}

TEST_F(StaticSource, OversizedFileIsRefused) {
    write_secret(dir);
    dir.write("secret/AWS_SESSION_TOKEN", std::string(70 * 1024, 'a'));
    auto got = credentials({{"secretDir", dir.path("secret")}});
    ASSERT_FALSE(got.ok());
    EXPECT_THAT(got.error().message,
                AllOf(HasSubstr("AWS_SESSION_TOKEN"), HasSubstr("larger than the limit")));
}

TEST_F(StaticSource, KeyFileThatIsADirectoryOrFifoIsRefused) {
    write_secret(dir);
    fs::remove(dir.path("secret/AWS_SECRET_ACCESS_KEY"));
    fs::create_directory(dir.path("secret/AWS_SECRET_ACCESS_KEY"));
    auto directory = credentials({{"secretDir", dir.path("secret")}});
    ASSERT_FALSE(directory.ok());
    EXPECT_THAT(directory.error().message, HasSubstr("is a directory"));
    fs::remove(dir.path("secret/AWS_SECRET_ACCESS_KEY"));
    ASSERT_EQ(::mkfifo(dir.path("secret/AWS_SECRET_ACCESS_KEY").c_str(), 0600), 0);
    auto fifo = credentials({{"secretDir", dir.path("secret")}});
    ASSERT_FALSE(fifo.ok());
    EXPECT_THAT(fifo.error().message, HasSubstr("not a regular file"));
}

TEST_F(StaticSource, SecretDirIsReadAgainOnEveryCall) {
    write_secret(dir);
    auto instance = source({{"secretDir", dir.path("secret")}});
    ASSERT_TRUE(instance.ok()) << instance.error().message;
    auto first = (*instance)->get_credentials({"p", "", {}});
    ASSERT_TRUE(first.ok());
    dir.write("secret/AWS_ACCESS_KEY_ID", "AKIDSTATICTEST0002\n");
    dir.write("secret/AWS_SECRET_ACCESS_KEY", "rotated-secret\n");
    fs::remove(dir.path("secret/AWS_SESSION_TOKEN"));
    auto second = (*instance)->get_credentials({"p", "", {}});
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(second->get("access_key_id"), "AKIDSTATICTEST0002");
    EXPECT_EQ(second->get("secret_access_key"), "rotated-secret");
    EXPECT_EQ(second->get("session_token"), "");
}

// A Kubernetes Secret volume: files are symlinks into ..data, itself a
// symlink to a timestamped directory that is swapped on rotation.
TEST_F(StaticSource, KubernetesSecretVolumeLayoutAndItsRotation) {
    write_secret(dir, "volume/..2024_01_01");
    fs::create_directory_symlink("..2024_01_01", dir.path("volume/..data"));
    for (const char *name : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "REGION"})
        fs::create_symlink(std::string("..data/") + name, dir.path(std::string("volume/") + name));
    auto instance = source({{"secretDir", dir.path("volume")}});
    ASSERT_TRUE(instance.ok());
    auto first = (*instance)->get_credentials({"p", "", {}});
    ASSERT_TRUE(first.ok()) << first.error().message;
    EXPECT_EQ(first->get("access_key_id"), "AKIDSTATICTEST0001");

    dir.write("volume/..2024_02_01/AWS_ACCESS_KEY_ID", "AKIDSTATICTEST0003\n");
    dir.write("volume/..2024_02_01/AWS_SECRET_ACCESS_KEY", "secret-three\n");
    dir.write("volume/..2024_02_01/REGION", "us-east-2\n");
    fs::create_directory_symlink("..2024_02_01", dir.path("volume/..data_tmp"));
    fs::rename(dir.path("volume/..data_tmp"), dir.path("volume/..data"));
    auto second = (*instance)->get_credentials({"p", "", {}});
    ASSERT_TRUE(second.ok()) << second.error().message;
    EXPECT_EQ(second->get("access_key_id"), "AKIDSTATICTEST0003");
    EXPECT_EQ(second->get("region"), "us-east-2");
    EXPECT_EQ(second->get("session_token"), "");
}

TEST_F(StaticSource, SecretsAreRegisteredForRedaction) {
    write_secret(dir);
    ASSERT_TRUE(credentials({{"secretDir", dir.path("secret")}}).ok());
    EXPECT_EQ(pullcred::log::redact(std::string("x ") + kSecret), "x [REDACTED]");
    EXPECT_EQ(pullcred::log::redact("t session-token-0001"), "t [REDACTED]");
}

// ---- configFile ----

TEST_F(StaticSource, ConfigFileDefaultProfile) {
    const auto config =
        dir.write("config", "[default]\nregion = us-west-2\naws_access_key_id = AKIDCONFIG0001\n"
                            "aws_secret_access_key = config-secret-0001\n");
    auto got = credentials({{"configFile", config}});
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->get("access_key_id"), "AKIDCONFIG0001");
    EXPECT_EQ(got->get("secret_access_key"), "config-secret-0001");
    EXPECT_EQ(got->get("session_token"), "");
    EXPECT_EQ(got->get("region"), "us-west-2");
}

TEST_F(StaticSource, ConfigFileNamedProfileWithCredentialsFileWinning) {
    env.set("AWS_PROFILE", "other"); // ignored: the profile comes from the settings
    const auto config =
        dir.write("config", "[profile ci]\nregion = eu-central-1\naws_access_key_id = FROMCONFIG\n"
                            "[profile other]\naws_access_key_id = WRONG\n");
    const auto creds =
        dir.write("credentials", "[ci]\naws_access_key_id = AKIDCREDS0001\n"
                                 "aws_secret_access_key = creds-secret\naws_session_token = tok\n");
    auto got = credentials({{"configFile", config}, {"credentialsFile", creds}, {"profile", "ci"}});
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->get("access_key_id"), "AKIDCREDS0001");
    EXPECT_EQ(got->get("secret_access_key"), "creds-secret");
    EXPECT_EQ(got->get("session_token"), "tok");
    EXPECT_EQ(got->get("region"), "eu-central-1");
}

TEST_F(StaticSource, ConfigFileRegionOverride) {
    const auto config = dir.write("config", "[default]\nregion = us-west-2\naws_access_key_id = A\n"
                                            "aws_secret_access_key = B\n");
    auto got = credentials({{"configFile", config}, {"region", "sa-east-1"}});
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->get("region"), "sa-east-1");
}

TEST_F(StaticSource, ConfigFileMissingKeysNameFileAndProfile) {
    const auto config = dir.write("config", "[profile ci]\nregion = eu-central-1\n");
    auto none = credentials({{"configFile", config}, {"profile", "ci"}});
    ASSERT_FALSE(none.ok());
    EXPECT_THAT(none.error().message, AllOf(HasSubstr("profile 'ci' in " + config),
                                            HasSubstr("aws_access_key_id and aws_secret_access_key")));

    dir.write("config", "[profile ci]\naws_access_key_id = AKIDONLY\n");
    const auto creds = dir.write("credentials", "");
    auto secret_missing =
        credentials({{"configFile", config}, {"credentialsFile", creds}, {"profile", "ci"}});
    ASSERT_FALSE(secret_missing.ok());
    EXPECT_THAT(secret_missing.error().message,
                AllOf(HasSubstr(config + " and " + creds), HasSubstr("has no aws_secret_access_key")));
}

TEST_F(StaticSource, ConfigFileProfileOfAnotherKindGetsAHint) {
    const auto config = dir.write("config", "[default]\ncredential_process = /bin/helper --secret-flag\n");
    auto got = credentials({{"configFile", config}});
    ASSERT_FALSE(got.ok());
    EXPECT_THAT(got.error().message, AllOf(HasSubstr("aws.shared-config"), HasSubstr("credential_process"),
                                           Not(HasSubstr("--secret-flag"))));
}

TEST_F(StaticSource, ConfigFileUndefinedProfile) {
    const auto config = dir.write("config", "[default]\naws_access_key_id = A\naws_secret_access_key = B\n");
    auto got = credentials({{"configFile", config}, {"profile", "prod"}});
    ASSERT_FALSE(got.ok());
    EXPECT_THAT(got.error().message, AllOf(HasSubstr("profile 'prod'"), HasSubstr(config)));
}

TEST_F(StaticSource, ConfigFileMissingFiles) {
    auto missing = credentials({{"configFile", dir.path("nope")}});
    ASSERT_FALSE(missing.ok());
    EXPECT_THAT(missing.error().message, HasSubstr("configFile " + dir.path("nope") + " does not exist"));
    const auto config = dir.write("config", "[default]\naws_access_key_id = A\naws_secret_access_key = B\n");
    auto creds = credentials({{"configFile", config}, {"credentialsFile", dir.path("gone")}});
    ASSERT_FALSE(creds.ok());
    EXPECT_THAT(creds.error().message, HasSubstr("credentialsFile " + dir.path("gone") + " does not exist"));
}

TEST_F(StaticSource, ConfigFileSyntaxErrorNamesTheLineNotItsText) {
    const auto config = dir.write("config", "aws_secret_access_key = leaked-secret-value\n[default]\n");
    auto got = credentials({{"configFile", config}});
    ASSERT_FALSE(got.ok());
    EXPECT_THAT(got.error().message, AllOf(HasSubstr(config), Not(HasSubstr("leaked-secret-value"))));
}

TEST_F(StaticSource, ConfigFileIsReadAgainOnEveryCall) {
    const auto config =
        dir.write("config", "[default]\naws_access_key_id = A1\naws_secret_access_key = B1\n");
    auto instance = source({{"configFile", config}});
    ASSERT_TRUE(instance.ok());
    ASSERT_EQ((*instance)->get_credentials({"p", "", {}})->get("access_key_id"), "A1");
    dir.write("config", "[default]\naws_access_key_id = A2\naws_secret_access_key = B2\n");
    EXPECT_EQ((*instance)->get_credentials({"p", "", {}})->get("access_key_id"), "A2");
}

// ---- fromEnvironment ----

TEST_F(StaticSource, EnvironmentKeysAndRegion) {
    env.set("AWS_ACCESS_KEY_ID", "AKIDENV0001");
    env.set("AWS_SECRET_ACCESS_KEY", "env-secret-0001");
    env.set("AWS_SESSION_TOKEN", "env-token");
    env.set("AWS_DEFAULT_REGION", "us-east-2");
    auto got = credentials({{"fromEnvironment", true}});
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->get("access_key_id"), "AKIDENV0001");
    EXPECT_EQ(got->get("secret_access_key"), "env-secret-0001");
    EXPECT_EQ(got->get("session_token"), "env-token");
    EXPECT_EQ(got->get("region"), "us-east-2");
    env.set("AWS_REGION", "ca-central-1");
    EXPECT_EQ(credentials({{"fromEnvironment", true}})->get("region"), "ca-central-1");
    EXPECT_EQ(credentials({{"fromEnvironment", true}, {"region", "il-central-1"}})->get("region"),
              "il-central-1");
}

TEST_F(StaticSource, EnvironmentWithoutRegionOrToken) {
    env.set("AWS_ACCESS_KEY_ID", "AKIDENV0001");
    env.set("AWS_SECRET_ACCESS_KEY", "env-secret-0001");
    env.set("AWS_SESSION_TOKEN", "");
    auto got = credentials({{"fromEnvironment", true}});
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->fields.size(), 2U);
}

TEST_F(StaticSource, EnvironmentMissingKeysAreNamed) {
    auto none = credentials({{"fromEnvironment", true}});
    ASSERT_FALSE(none.ok());
    EXPECT_THAT(none.error().message, HasSubstr("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"));
    env.set("AWS_ACCESS_KEY_ID", "AKIDENV0001");
    auto secret = credentials({{"fromEnvironment", true}});
    ASSERT_FALSE(secret.ok());
    EXPECT_THAT(secret.error().message, HasSubstr("AWS_SECRET_ACCESS_KEY is not set"));
    env.set("AWS_SECRET_ACCESS_KEY", "   ");
    auto blank = credentials({{"fromEnvironment", true}});
    ASSERT_FALSE(blank.ok());
    EXPECT_THAT(blank.error().message, HasSubstr("AWS_SECRET_ACCESS_KEY is blank"));
    env.set("AWS_SECRET_ACCESS_KEY", "two words");
    auto inner = credentials({{"fromEnvironment", true}});
    ASSERT_FALSE(inner.ok());
    EXPECT_THAT(inner.error().message,
                AllOf(HasSubstr("AWS_SECRET_ACCESS_KEY"), Not(HasSubstr("two words"))));
}

// ---- settings ----

TEST_F(StaticSource, SchemaAcceptsEachModeAlone) {
    EXPECT_TRUE(schema_check({{"secretDir", "/s"}}).ok());
    EXPECT_TRUE(schema_check({{"secretDir", "/s"}, {"region", "us-west-2"}}).ok());
    EXPECT_TRUE(schema_check({{"configFile", "/c"}}).ok());
    EXPECT_TRUE(schema_check({{"configFile", "/c"}, {"credentialsFile", "/k"}, {"profile", "x"}}).ok());
    EXPECT_TRUE(schema_check({{"fromEnvironment", true}}).ok());
}

TEST_F(StaticSource, SchemaRejectsUnknownKeysAndBadValues) {
    for (const auto &bad :
         {nlohmann::json{{"fromEnvironment", false}}, nlohmann::json{{"secretDir", ""}},
          nlohmann::json{{"secretDir", 5}}, nlohmann::json{{"secretDir", "/s"}, {"secretdir", "/s"}},
          nlohmann::json{{"secretDir", "/s"}, {"region", "Not A Region"}},
          nlohmann::json{{"configFile", "/c"}, {"profile", ""}}}) {
        auto valid = schema_check(bad);
        EXPECT_FALSE(valid.ok()) << bad.dump();
        if (!valid.ok()) {
            EXPECT_THAT(valid.error().message, HasSubstr("profiles.p")) << bad.dump();
        }
    }
}

// The choice of one input is checked by the module, whose message names the keys
// (JSON Schema validators only say "failed to validate against exactly one child schema").
TEST_F(StaticSource, ConstructorRequiresExactlyOneInput) {
    auto two = source({{"secretDir", "/s"}, {"configFile", "/c"}});
    ASSERT_FALSE(two.ok());
    EXPECT_THAT(two.error().message,
                AllOf(HasSubstr("aws.static rejected its config"),
                      HasSubstr("set exactly one of secretDir, configFile or fromEnvironment: true (found "
                                "secretDir and configFile)")));
    auto three = source({{"secretDir", "/s"}, {"configFile", "/c"}, {"fromEnvironment", true}});
    ASSERT_FALSE(three.ok());
    EXPECT_THAT(three.error().message, HasSubstr("(found secretDir, configFile and fromEnvironment)"));
    auto none = source(nlohmann::json::object());
    ASSERT_FALSE(none.ok());
    EXPECT_THAT(none.error().message, HasSubstr("(found none of them)"));
    auto stray = source({{"secretDir", "/s"}, {"profile", "x"}});
    ASSERT_FALSE(stray.ok());
    EXPECT_THAT(stray.error().message,
                HasSubstr("profile only goes with configFile (this profile uses secretDir)"));
    auto stray_file = source({{"fromEnvironment", true}, {"credentialsFile", "/k"}});
    ASSERT_FALSE(stray_file.ok());
    EXPECT_THAT(stray_file.error().message, HasSubstr("credentialsFile only goes with configFile"));
}

TEST_F(StaticSource, ConstructorChecksTypesToo) {
    auto unknown = source({{"secretDir", "/s"}, {"bogus", 1}});
    ASSERT_FALSE(unknown.ok());
    EXPECT_THAT(unknown.error().message, HasSubstr("unknown key bogus"));
    auto wrong_type = source({{"secretDir", 5}});
    ASSERT_FALSE(wrong_type.ok());
    EXPECT_THAT(wrong_type.error().message, HasSubstr("secretDir must be a non-empty string"));
    auto env_false = source({{"fromEnvironment", false}});
    ASSERT_FALSE(env_false.ok());
    EXPECT_THAT(env_false.error().message, HasSubstr("fromEnvironment must be true"));
}

TEST_F(StaticSource, ASourceNeedsNoFilesAtCreation) {
    // A Secret may be mounted after pullcred's config is checked: only calls read it.
    EXPECT_TRUE(source({{"secretDir", dir.path("later")}}).ok());
    EXPECT_TRUE(source({{"configFile", dir.path("later/config")}}).ok());
}

// The EKS Anywhere tutorial's Secret (`--from-file=config=credfile`): one
// AWS config file named `config` instead of key files.
TEST_F(StaticSource, ASecretHoldingAnAwsConfigFileIsReadAsOne) {
    dir.write("tutorial/config", "[default]\naws_access_key_id = AKIDSTATICTEST0003\n"
                                 "aws_secret_access_key = tutorial-secret\nregion = eu-west-1\n");
    auto got = credentials({{"secretDir", dir.path("tutorial")}});
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->get("access_key_id"), "AKIDSTATICTEST0003");
    EXPECT_EQ(got->get("secret_access_key"), "tutorial-secret");
    EXPECT_EQ(got->get("region"), "eu-west-1");

    dir.write("tutorial/config", "[default]\ncredential_process = aws_signing_helper credential-process\n");
    auto process = credentials({{"secretDir", dir.path("tutorial")}});
    ASSERT_FALSE(process.ok());
    EXPECT_THAT(process.error().message, HasSubstr("use source aws.shared-config for it"));
}
