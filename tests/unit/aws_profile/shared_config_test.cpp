#include <gtest/gtest.h>
#include <sys/wait.h>

#include <sys/stat.h>
#include <unistd.h>

#include "aws/profile/shared_config.hpp"
#include "pullcred_test/temp_dir.hpp"

namespace pullcred::aws {
namespace {

using pullcred_test::TempDir;

constexpr const char *kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr const char *kToken = "FwoGZXIvYXdzEXAMPLETOKEN";

TEST(SharedConfigPaths, DefaultsUnderHome) {
    auto paths = shared_config_paths(map_env({{"HOME", "/home/u"}}));
    ASSERT_TRUE(paths.ok());
    EXPECT_EQ(paths->config_file, "/home/u/.aws/config");
    EXPECT_EQ(paths->credentials_file, "/home/u/.aws/credentials");
}

TEST(SharedConfigPaths, HomeWithTrailingSlash) {
    auto paths = shared_config_paths(map_env({{"HOME", "/root/"}}));
    ASSERT_TRUE(paths.ok());
    EXPECT_EQ(paths->config_file, "/root/.aws/config");
}

TEST(SharedConfigPaths, FromEnvironmentWithTildeExpansion) {
    auto paths = shared_config_paths(map_env({{"HOME", "/home/u"},
                                              {"AWS_CONFIG_FILE", "~/cfg/config"},
                                              {"AWS_SHARED_CREDENTIALS_FILE", "/etc/pullcred/creds"}}));
    ASSERT_TRUE(paths.ok());
    EXPECT_EQ(paths->config_file, "/home/u/cfg/config");
    EXPECT_EQ(paths->credentials_file, "/etc/pullcred/creds");
}

TEST(SharedConfigPaths, EmptyVariablesMeanDefaults) {
    auto paths = shared_config_paths(map_env({{"HOME", "/h"}, {"AWS_CONFIG_FILE", ""}}));
    ASSERT_TRUE(paths.ok());
    EXPECT_EQ(paths->config_file, "/h/.aws/config");
}

TEST(ExpandHome, Forms) {
    auto env = map_env({{"HOME", "/home/u"}});
    EXPECT_EQ(expand_home("~", env).value(), "/home/u");
    EXPECT_EQ(expand_home("~/x", env).value(), "/home/u/x");
    EXPECT_EQ(expand_home("~other/x", env).value(), "~other/x");
    EXPECT_EQ(expand_home("/abs/~/x", env).value(), "/abs/~/x");
    EXPECT_EQ(expand_home("rel", env).value(), "rel");
}

TEST(ProfileSelection, Order) {
    EXPECT_EQ(selected_profile_name(map_env({})), "default");
    EXPECT_EQ(selected_profile_name(map_env({{"AWS_DEFAULT_PROFILE", "b"}})), "b");
    EXPECT_EQ(selected_profile_name(map_env({{"AWS_PROFILE", "a"}, {"AWS_DEFAULT_PROFILE", "b"}})), "a");
    EXPECT_EQ(selected_profile_name(map_env({{"AWS_PROFILE", ""}, {"AWS_DEFAULT_PROFILE", "b"}})), "b");
    EXPECT_EQ(selected_profile_name(EnvLookup{}), "default");
}

TEST(ReadConfigFile, MissingIsNotAnError) {
    TempDir dir;
    auto read = read_config_file(dir.path("nope"));
    ASSERT_TRUE(read.ok());
    EXPECT_FALSE(read->has_value());
}

TEST(ReadConfigFile, DirectoryIsAnError) {
    TempDir dir;
    auto read = read_config_file(dir.path());
    ASSERT_FALSE(read.ok());
    EXPECT_NE(read.error().message.find("directory"), std::string::npos);
}

TEST(ReadConfigFile, FifoIsRefusedWithoutBlocking) {
    TempDir dir;
    const std::string fifo = dir.path("fifo");
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    auto read = read_config_file(fifo);
    ASSERT_FALSE(read.ok());
    EXPECT_NE(read.error().message.find("not a regular file"), std::string::npos);
}

TEST(ReadConfigFile, TooLargeIsAnError) {
    TempDir dir;
    const std::string path = dir.write("big", std::string(kMaxSharedConfigBytes + 1, '#'));
    auto read = read_config_file(path);
    ASSERT_FALSE(read.ok());
    EXPECT_NE(read.error().message.find(path), std::string::npos);
}

// Root reads any file: as root, the read runs in a child that is nobody.
TEST(ReadConfigFile, UnreadableIsAnError) {
    TempDir dir;
    const std::string path = dir.write("config", "[default]\n");
    ASSERT_EQ(chmod(path.c_str(), 0), 0);
    const auto refused = [&path] {
        auto read = read_config_file(path);
        return !read.ok() && read.error().message.find(path) != std::string::npos;
    };
    if (geteuid() != 0) {
        EXPECT_TRUE(refused());
        return;
    }
    ASSERT_EQ(chmod(std::filesystem::path(path).parent_path().c_str(), 0755), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        const bool dropped = setgid(65534) == 0 && setuid(65534) == 0;
        _exit(dropped && refused() ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "nobody could read a mode 0 file, or no error";
}

TEST(ReadConfigFile, UnreadableDirectoryComponentIsAnError) {
    TempDir dir;
    // A path through a regular file: ENOTDIR, not "missing".
    const std::string file = dir.write("plain", "x");
    auto read = read_config_file(file + "/config");
    ASSERT_FALSE(read.ok());
    EXPECT_NE(read.error().message.find("cannot open"), std::string::npos);
}

SharedConfig parse(std::string_view config, std::string_view credentials) {
    auto parsed = SharedConfig::parse(config, credentials, {"/c/config", "/c/credentials"});
    EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
    return parsed.ok() ? std::move(parsed.value()) : SharedConfig{};
}

TEST(SharedConfig, CredentialsFileWinsOverConfigFile) {
    auto config = parse("[profile dev]\nregion = eu-west-1\naws_access_key_id = FROM_CONFIG\nrole_arn = r\n",
                        "[dev]\naws_access_key_id = FROM_CREDENTIALS\naws_secret_access_key = s\n");
    auto profile = config.profile("dev");
    ASSERT_TRUE(profile.ok());
    EXPECT_EQ(profile->aws_access_key_id().value(), "FROM_CREDENTIALS");
    EXPECT_EQ(profile->aws_secret_access_key().value(), "s");
    EXPECT_EQ(profile->region().value(), "eu-west-1");
    EXPECT_EQ(profile->role_arn().value(), "r");
    EXPECT_EQ(profile->origin("aws_access_key_id"), "/c/credentials");
    EXPECT_EQ(profile->origin("region"), "/c/config");
    EXPECT_EQ(profile->origin("nothing"), "");
}

TEST(SharedConfig, ProfileOnlyInCredentialsFile) {
    auto config =
        parse("", "[ci]\naws_access_key_id = A\naws_secret_access_key = S\naws_session_token = T\n");
    auto profile = config.profile("ci");
    ASSERT_TRUE(profile.ok());
    EXPECT_EQ(profile->aws_session_token().value(), "T");
}

TEST(SharedConfig, ProfilePrefixInCredentialsFileIsALiteralName) {
    auto config = parse("", "[profile x]\nregion = a\n");
    EXPECT_TRUE(config.has_profile("profile x"));
    EXPECT_FALSE(config.has_profile("x"));
}

TEST(SharedConfig, AllDocumentedKeys) {
    auto config = parse("[profile all]\n"
                        "credential_process = /usr/bin/helper --x\n"
                        "role_arn = arn:aws:iam::123456789012:role/r\n"
                        "source_profile = base\n"
                        "credential_source = Environment\n"
                        "web_identity_token_file = /var/run/token\n"
                        "role_session_name = sess\n"
                        "external_id = ext\n"
                        "duration_seconds = 3600\n"
                        "region = us-west-2\n"
                        "endpoint_url = https://example.test\n"
                        "ca_bundle = /etc/ssl/ca.pem\n"
                        "use_fips_endpoint = TRUE\n"
                        "use_dualstack_endpoint = false\n",
                        "");
    auto p = config.profile("all").value();
    EXPECT_EQ(p.credential_process().value(), "/usr/bin/helper --x");
    EXPECT_EQ(p.role_arn().value(), "arn:aws:iam::123456789012:role/r");
    EXPECT_EQ(p.source_profile().value(), "base");
    EXPECT_EQ(p.credential_source().value(), "Environment");
    EXPECT_EQ(p.web_identity_token_file().value(), "/var/run/token");
    EXPECT_EQ(p.role_session_name().value(), "sess");
    EXPECT_EQ(p.external_id().value(), "ext");
    EXPECT_EQ(p.duration_seconds().value().value(), 3600);
    EXPECT_EQ(p.region().value(), "us-west-2");
    EXPECT_EQ(p.endpoint_url().value(), "https://example.test");
    EXPECT_EQ(p.ca_bundle().value(), "/etc/ssl/ca.pem");
    EXPECT_EQ(p.use_fips_endpoint().value(), std::optional<bool>(true));
    EXPECT_EQ(p.use_dualstack_endpoint().value(), std::optional<bool>(false));
    EXPECT_FALSE(p.aws_access_key_id().has_value());
}

TEST(SharedConfig, EmptyValueCountsAsUnset) {
    auto p = parse("[default]\nregion =\n", "").profile("default").value();
    EXPECT_FALSE(p.region().has_value());
}

TEST(SharedConfig, BadBooleanNamesProfileKeyAndFile) {
    auto p = parse("[profile x]\nuse_fips_endpoint = yes\n", "").profile("x").value();
    auto fips = p.use_fips_endpoint();
    ASSERT_FALSE(fips.ok());
    const auto &m = fips.error().message;
    EXPECT_NE(m.find("profile 'x'"), std::string::npos) << m;
    EXPECT_NE(m.find("/c/config"), std::string::npos) << m;
    EXPECT_NE(m.find("use_fips_endpoint"), std::string::npos) << m;
    EXPECT_NE(m.find("'yes'"), std::string::npos) << m;
}

TEST(SharedConfig, BadDuration) {
    for (const char *bad : {"abc", "-5", "0", "1.5", "99999999999999999999", "3600s"}) {
        auto p =
            parse(std::string("[default]\nduration_seconds = ") + bad + "\n", "").profile("default").value();
        auto d = p.duration_seconds();
        ASSERT_FALSE(d.ok()) << bad;
        EXPECT_NE(d.error().message.find("duration_seconds"), std::string::npos);
    }
}

TEST(SharedConfig, SecretsNeverInErrors) {
    auto p = parse("", std::string("[default]\naws_secret_access_key = ") + kSecret +
                           "\naws_session_token = " + kToken + "\n")
                 .profile("default")
                 .value();
    for (const char *key : {"aws_secret_access_key", "aws_session_token"}) {
        auto b = p.get_bool(key);
        ASSERT_FALSE(b.ok());
        EXPECT_EQ(b.error().message.find(kSecret), std::string::npos);
        EXPECT_EQ(b.error().message.find(kToken), std::string::npos);
    }
    EXPECT_TRUE(is_secret_profile_key("AWS_SECRET_ACCESS_KEY"));
    EXPECT_TRUE(is_secret_profile_key("aws_session_token"));
    EXPECT_FALSE(is_secret_profile_key("aws_access_key_id"));
}

TEST(SharedConfig, MissingProfileIsAnErrorNamingTheFiles) {
    auto config = parse("[default]\n", "");
    auto p = config.profile("nope");
    ASSERT_FALSE(p.ok());
    EXPECT_NE(p.error().message.find("'nope'"), std::string::npos);
    EXPECT_NE(p.error().message.find("/c/config"), std::string::npos);
    EXPECT_NE(p.error().message.find("/c/credentials"), std::string::npos);
    EXPECT_TRUE(config.profile_or_empty("nope").empty());
}

TEST(SharedConfig, ProfileNames) {
    auto config = parse("[default]\n[profile a]\n[sso-session s]\n", "[b]\n[a]\n");
    EXPECT_EQ(config.profile_names(), (std::vector<std::string>{"a", "b", "default"}));
    EXPECT_NE(config.sso_session("s"), nullptr);
    EXPECT_EQ(config.sso_session("a"), nullptr);
}

TEST(SharedConfig, ServicesSectionEndpointUrls) {
    auto config = parse("[profile dev]\nservices = local\nendpoint_url = https://global.test\n"
                        "[services local]\n"
                        "ecr =\n  endpoint_url = http://localhost:4566\n"
                        "STS =\n  Endpoint_Url = https://sts.local.test\n",
                        "");
    auto p = config.profile("dev").value();
    EXPECT_EQ(p.service_endpoint_url("ecr").value(), "http://localhost:4566");
    EXPECT_EQ(p.service_endpoint_url("sts").value(), "https://sts.local.test");
    EXPECT_FALSE(p.service_endpoint_url("rolesanywhere").has_value());
    EXPECT_EQ(p.endpoint_url().value(), "https://global.test");
}

TEST(SharedConfig, SubsectionAccess) {
    auto p = parse("[default]\ns3 =\n  addressing_style = path\n", "").profile("default").value();
    ASSERT_NE(p.subsection("S3"), nullptr);
    EXPECT_EQ(p.subsection("s3")->at("addressing_style"), "path");
    EXPECT_FALSE(p.get("s3").has_value());
}

TEST(SharedConfig, ParseErrorNamesTheFile) {
    auto parsed = SharedConfig::parse("[default]\n", "oops\n", {"/c/config", "/c/credentials"});
    ASSERT_FALSE(parsed.ok());
    EXPECT_NE(parsed.error().message.find("/c/credentials:1:"), std::string::npos) << parsed.error().message;
}

TEST(LoadSelectedProfile, EndToEndWithFiles) {
    TempDir dir;
    dir.write("home/.aws/config", "[default]\nregion = us-east-1\n[profile dev]\nregion = eu-central-1\n");
    dir.write("home/.aws/credentials", "[dev]\naws_access_key_id = AKID\naws_secret_access_key = S\n");
    auto env = map_env({{"HOME", dir.path("home")}, {"AWS_PROFILE", "dev"}});
    auto p = load_selected_profile(env);
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_EQ(p->name(), "dev");
    EXPECT_EQ(p->region().value(), "eu-central-1");
    EXPECT_EQ(p->aws_access_key_id().value(), "AKID");
    EXPECT_EQ(p->origin("aws_access_key_id"), dir.path("home/.aws/credentials"));
}

TEST(LoadSelectedProfile, DefaultProfileSelectsDefault) {
    TempDir dir;
    dir.write("config", "[default]\nregion = us-east-1\n[profile dev]\nregion = eu-central-1\n");
    auto p = load_selected_profile(map_env({{"HOME", dir.path()}, {"AWS_CONFIG_FILE", dir.path("config")}}));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->region().value(), "us-east-1");
}

TEST(LoadSelectedProfile, AwsDefaultProfileUsedWhenAwsProfileUnset) {
    TempDir dir;
    dir.write("config", "[profile a]\nregion = a-1\n[profile b]\nregion = b-1\n");
    auto env = map_env(
        {{"HOME", dir.path()}, {"AWS_CONFIG_FILE", dir.path("config")}, {"AWS_DEFAULT_PROFILE", "b"}});
    EXPECT_EQ(load_selected_profile(env)->region().value(), "b-1");
    auto env2 = map_env({{"HOME", dir.path()},
                         {"AWS_CONFIG_FILE", dir.path("config")},
                         {"AWS_DEFAULT_PROFILE", "b"},
                         {"AWS_PROFILE", "a"}});
    EXPECT_EQ(load_selected_profile(env2)->region().value(), "a-1");
}

TEST(LoadSelectedProfile, MissingFilesGiveAnEmptyDefault) {
    TempDir dir;
    auto p = load_selected_profile(map_env({{"HOME", dir.path()}}));
    ASSERT_TRUE(p.ok());
    EXPECT_TRUE(p->empty());
    EXPECT_EQ(p->name(), "default");
}

TEST(LoadSelectedProfile, MissingExplicitProfileIsAnError) {
    TempDir dir;
    auto p = load_selected_profile(map_env({{"HOME", dir.path()}, {"AWS_PROFILE", "ghost"}}));
    ASSERT_FALSE(p.ok());
    EXPECT_NE(p.error().message.find("'ghost'"), std::string::npos);
    EXPECT_NE(p.error().message.find("AWS_PROFILE"), std::string::npos);
}

TEST(LoadSelectedProfile, ConfigFileThatIsADirectoryIsAnError) {
    TempDir dir;
    auto p = load_selected_profile(map_env({{"HOME", dir.path()}, {"AWS_CONFIG_FILE", dir.path()}}));
    ASSERT_FALSE(p.ok());
    EXPECT_NE(p.error().message.find(dir.path()), std::string::npos);
}

TEST(LoadSelectedProfile, SecretsNotInParseErrors) {
    TempDir dir;
    dir.write("credentials", std::string("[default]\naws_secret_access_key ") + kSecret + "\n");
    auto p = load_selected_profile(
        map_env({{"HOME", dir.path()}, {"AWS_SHARED_CREDENTIALS_FILE", dir.path("credentials")}}));
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().message.find(kSecret), std::string::npos) << p.error().message;
    EXPECT_NE(p.error().message.find(":2:"), std::string::npos) << p.error().message;
}

} // namespace
} // namespace pullcred::aws
