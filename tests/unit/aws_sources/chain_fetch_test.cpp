// aws.shared-config end to end in process: real files, the real built-in
// module through the host's providers (which run the sources it wraps), a
// fake network for STS and fake aws.process / aws.roles-anywhere factories in
// the registry.
#include <filesystem>
#include <fstream>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "aws/sources/builtin_module.hpp"
#include "aws/sources/signing_helper.hpp"
#include "providers/providers.hpp"
#include "sts_replies.hpp"

using namespace pullcred;
using sources_test::Reply;
using sources_test::sts_error;
using sources_test::sts_reply;
using testing::HasSubstr;

namespace {

constexpr std::int64_t kNowMs = 1'700'000'000'000;

struct FakeCall {
    std::string factory;
    nlohmann::json config;
    std::string profile;
};
std::vector<FakeCall> &fake_calls() {
    static std::vector<FakeCall> calls;
    return calls;
}

template <const char *Name> class FakeSource final : public sdk::CredentialSource {
public:
    FakeSource(sdk::Host /*host*/, const sdk::Config &config) : config_(config) {}
    sdk::Result<sdk::Credentials> get_credentials(const sdk::CredentialsRequest &request) override {
        fake_calls().push_back({Name, config_, std::string(request.profile)});
        if (config_.value("command", "") == "/bin/fail") return sdk::Error::failed("exit status 3");
        sdk::Credentials credentials;
        credentials.fields = {{"access_key_id", std::string("AK-") + Name},
                              {"secret_access_key", "fake-secret"},
                              {"session_token", "fake-token"}};
        credentials.expires_unix = 1'700'003'600;
        return credentials;
    }

private:
    nlohmann::json config_;
};

constexpr char kProcess[] = "aws.process";
constexpr char kRolesAnywhere[] = "aws.roles-anywhere";

const pullcred_module *fake_module(bool with_roles_anywhere) {
    static const pullcred_factory *const both[] = {
        sdk::credential_source<FakeSource<kProcess>>(kProcess),
        sdk::credential_source<FakeSource<kRolesAnywhere>>(kRolesAnywhere)};
    static const pullcred_module both_module{
        sizeof(pullcred_module), PULLCRED_ABI_MAJOR, PULLCRED_ABI_MINOR, "fakes", "1", 2, both};
    static const pullcred_module process_module{
        sizeof(pullcred_module), PULLCRED_ABI_MAJOR, PULLCRED_ABI_MINOR, "fakes", "1", 1, both};
    return with_roles_anywhere ? &both_module : &process_module;
}

class ChainFetchTest : public testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / ("pullcred-chain-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
        for (const char *name :
             {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION",
              "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_CONFIG_FILE",
              "AWS_SHARED_CREDENTIALS_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
              "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT"})
            ::unsetenv(name);
        environment_.now_unix_ms = [] { return kNowMs; };
        environment_.deadline_unix_ms = kNowMs + 45'000;
        environment_.net_services = [this]() -> Result<net::NetServices *> { return &net_; };
        fake_calls().clear();
        connect(true, true);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    void connect(bool with_fakes, bool with_roles_anywhere, bool native = true) {
        registry_ = std::make_unique<modules::Registry>();
        ASSERT_TRUE(registry_->add({"(built-in)", aws::sources::builtin_module()}).ok());
        if (with_fakes) {
            ASSERT_TRUE(registry_->add({"fakes.so", fake_module(with_roles_anywhere)}).ok());
        }
        native_ = native;
    }

    void write(const std::string &config, const std::string &credentials = "") {
        std::ofstream(dir_ / "config") << config;
        std::ofstream(dir_ / "credentials") << credentials;
    }

    Result<sdk::Credentials> fetch(const std::string &profile,
                                   nlohmann::json extra = nlohmann::json::object()) {
        nlohmann::json settings{{"source", "aws.shared-config"},
                                {"configFile", (dir_ / "config").string()},
                                {"credentialsFile", (dir_ / "credentials").string()},
                                {"profile", profile}};
        if (!native_) settings["nativeSigningHelper"] = false;
        settings.update(extra);
        config::Config config;
        config.profiles["p"] = config::Profile{"p", "aws.shared-config", settings};
        providers::Providers providers(config, *registry_, environment_);
        return providers.credentials_for("p", "");
    }

    std::filesystem::path dir_;
    sources_test::FakeNet net_;
    modules::HostEnvironment environment_;
    std::unique_ptr<modules::Registry> registry_;
    bool native_ = true;
};

const std::string kTwoHops =
    "[profile app]\nrole_arn = arn:aws:iam::111122223333:role/app\nsource_profile = ops\n"
    "region = eu-west-1\nexternal_id = ext-1\nduration_seconds = 1800\n"
    "[profile ops]\nrole_arn = arn:aws:iam::111122223333:role/ops\nsource_profile = base\n"
    "role_session_name = ops-session\n";
const std::string kBaseKeys = "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n";

} // namespace

TEST_F(ChainFetchTest, TwoAssumeRoleHopsFromStaticKeys) {
    write(kTwoHops, kBaseKeys);
    net_.replies.push_back(
        sources_test::reply(200, sts_reply("AssumeRole", "ASIAOPS", "ops-secret", "ops-token")));
    net_.replies.push_back(sources_test::reply(
        200, sts_reply("AssumeRole", "ASIAAPP", "app-secret", "app-token", "2023-11-14T23:13:20Z")));
    auto credentials = fetch("app");
    ASSERT_TRUE(credentials) << credentials.error().message;
    EXPECT_EQ(credentials->get("access_key_id"), "ASIAAPP");
    EXPECT_EQ(credentials->get("secret_access_key"), "app-secret");
    EXPECT_EQ(credentials->get("session_token"), "app-token");
    EXPECT_EQ(credentials->get("region"), "eu-west-1");
    EXPECT_EQ(credentials->expires_unix, 1'700'003'600);

    ASSERT_EQ(net_.signings.size(), 2U);
    EXPECT_EQ(net_.signings[0].access_key_id, "AKIDBASE");
    EXPECT_EQ(net_.signings[0].secret_access_key, "base-secret");
    EXPECT_EQ(net_.signings[0].session_token, "");
    EXPECT_EQ(net_.signings[0].service, "sts");
    EXPECT_EQ(net_.signings[0].region, "eu-west-1");
    EXPECT_EQ(net_.signings[1].access_key_id, "ASIAOPS");
    EXPECT_EQ(net_.signings[1].session_token, "ops-token");

    ASSERT_EQ(net_.requests.size(), 2U);
    EXPECT_EQ(net_.requests[0].method, "POST");
    EXPECT_EQ(net_.requests[0].url, "https://sts.eu-west-1.amazonaws.com/");
    EXPECT_EQ(net_.requests[0].body,
              "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333"
              "%3Arole%2Fops&RoleSessionName=ops-session");
    EXPECT_EQ(net_.requests[1].body,
              "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333"
              "%3Arole%2Fapp&RoleSessionName=pullcred-1700000000&ExternalId=ext-1"
              "&DurationSeconds=1800");
    EXPECT_EQ(net_.requests[1].headers.front().second, "application/x-www-form-urlencoded; charset=utf-8");
}

TEST_F(ChainFetchTest, StsRegionFallsBackToUsEast1AndHonoursEndpointOverride) {
    write("[profile app]\nrole_arn = arn:aws:iam::1:role/app\nsource_profile = base\n", kBaseKeys);
    ::setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9/sts", 1);
    net_.replies.push_back(sources_test::reply(200, sts_reply("AssumeRole", "ASIA1", "s", "t")));
    auto credentials = fetch("app");
    ::unsetenv("AWS_ENDPOINT_URL_STS");
    ASSERT_TRUE(credentials) << credentials.error().message;
    EXPECT_EQ(net_.requests.at(0).url, "http://127.0.0.1:9/sts/");
    EXPECT_EQ(net_.signings.at(0).region, "us-east-1");
    EXPECT_EQ(credentials->get("region"), "");
}

TEST_F(ChainFetchTest, StsErrorIsOneLineNamingRoleAndProfile) {
    write(kTwoHops, kBaseKeys);
    net_.replies.push_back(
        sources_test::reply(200, sts_reply("AssumeRole", "ASIAOPS", "ops-secret", "ops-token")));
    net_.replies.push_back(
        sources_test::reply(403, sts_error("AccessDenied", "User: arn:aws:sts::1:assumed-role/ops/x is not "
                                                           "authorized to perform: sts:AssumeRole")));
    auto credentials = fetch("app");
    ASSERT_FALSE(credentials);
    const auto &message = credentials.error().message;
    EXPECT_THAT(message, HasSubstr("AWS profile \"app\""));
    EXPECT_THAT(message, HasSubstr("arn:aws:iam::111122223333:role/app"));
    EXPECT_THAT(message, HasSubstr("AccessDenied"));
    EXPECT_THAT(message, HasSubstr("not authorized"));
    EXPECT_EQ(message.find('\n'), std::string::npos);
    EXPECT_EQ(message.find("ops-secret"), std::string::npos);
}

TEST_F(ChainFetchTest, ThrottlingIsRetryableAndMalformedIsClear) {
    write(kTwoHops, kBaseKeys);
    net_.replies.push_back(sources_test::reply(400, sts_error("Throttling", "Rate exceeded")));
    auto throttled = fetch("app");
    ASSERT_FALSE(throttled);
    EXPECT_THAT(throttled.error().message, HasSubstr("temporary failure"));

    net_.replies.push_back(
        sources_test::reply(200, "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>"));
    auto malformed = fetch("app");
    ASSERT_FALSE(malformed);
    EXPECT_THAT(malformed.error().message, HasSubstr("malformed"));

    net_.replies.push_back(sources_test::reply(502, "<html>bad gateway</html>"));
    auto gateway = fetch("app");
    ASSERT_FALSE(gateway);
    EXPECT_THAT(gateway.error().message, HasSubstr("HTTP 502"));
}

TEST_F(ChainFetchTest, CredentialSourceEnvironment) {
    write("[profile app]\nrole_arn = arn:aws:iam::1:role/app\ncredential_source = Environment\n");
    auto missing = fetch("app");
    ASSERT_FALSE(missing);
    EXPECT_THAT(missing.error().message, HasSubstr("AWS_ACCESS_KEY_ID is not set"));

    ::setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
    ::setenv("AWS_SESSION_TOKEN", "env-token", 1);
    net_.replies.push_back(sources_test::reply(200, sts_reply("AssumeRole", "ASIA1", "s", "t")));
    auto credentials = fetch("app");
    ::unsetenv("AWS_ACCESS_KEY_ID");
    ::unsetenv("AWS_SECRET_ACCESS_KEY");
    ::unsetenv("AWS_SESSION_TOKEN");
    ASSERT_TRUE(credentials) << credentials.error().message;
    EXPECT_EQ(net_.signings.at(0).access_key_id, "AKIDENV");
    EXPECT_EQ(net_.signings.at(0).session_token, "env-token");
}

TEST_F(ChainFetchTest, WebIdentityReadsTheTokenEachTimeAndDoesNotSign) {
    const auto token = dir_ / "token";
    std::ofstream(token) << "eyJ.first.token\n";
    write("[profile web]\nrole_arn = arn:aws:iam::1:role/web\nweb_identity_token_file = " + token.string() +
          "\nrole_session_name = node-a\n");
    net_.replies.push_back(
        sources_test::reply(200, sts_reply("AssumeRoleWithWebIdentity", "ASIAWEB", "s", "t")));
    auto first = fetch("web");
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(first->get("access_key_id"), "ASIAWEB");
    EXPECT_TRUE(net_.signings.empty());
    EXPECT_EQ(net_.requests.at(0).body,
              "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3A"
              "iam%3A%3A1%3Arole%2Fweb&RoleSessionName=node-a&WebIdentityToken=eyJ.first.token");

    std::ofstream(token) << "eyJ.second.token";
    net_.replies.push_back(sources_test::reply(400, sts_error("InvalidIdentityToken", "bad audience")));
    auto second = fetch("web");
    ASSERT_FALSE(second);
    EXPECT_THAT(second.error().message, HasSubstr("InvalidIdentityToken"));
    EXPECT_EQ(second.error().message.find("eyJ"), std::string::npos);
    EXPECT_THAT(net_.requests.at(1).body, HasSubstr("WebIdentityToken=eyJ.second.token"));

    std::filesystem::remove(token);
    auto gone = fetch("web");
    ASSERT_FALSE(gone);
    EXPECT_THAT(gone.error().message,
                HasSubstr("web_identity_token_file " + token.string() + " does not exist"));
}

TEST_F(ChainFetchTest, CredentialProcessIsDelegatedToAwsProcess) {
    write("[profile p]\ncredential_process = /usr/bin/get-creds --flag 'a b'\nregion = us-west-2\n");
    auto credentials = fetch("p");
    ASSERT_TRUE(credentials) << credentials.error().message;
    EXPECT_EQ(credentials->get("access_key_id"), "AK-aws.process");
    EXPECT_EQ(credentials->get("region"), "us-west-2");
    EXPECT_EQ(credentials->expires_unix, 1'700'003'600);
    ASSERT_EQ(fake_calls().size(), 1U);
    EXPECT_EQ(fake_calls()[0].factory, "aws.process");
    EXPECT_EQ(fake_calls()[0].config,
              (nlohmann::json{{"command", "/usr/bin/get-creds --flag 'a b'"}, {"profileName", "p"}}));
}

TEST_F(ChainFetchTest, CredentialProcessFailureNamesTheProfile) {
    write("[profile p]\ncredential_process = /bin/fail\n");
    auto credentials = fetch("p");
    ASSERT_FALSE(credentials);
    EXPECT_THAT(credentials.error().message, HasSubstr("AWS profile \"p\": credential_process"));
    EXPECT_THAT(credentials.error().message, HasSubstr("exit status 3"));
}

TEST_F(ChainFetchTest, CredentialProcessAsTheSourceOfARole) {
    write("[profile app]\nrole_arn = arn:aws:iam::1:role/app\nsource_profile = proc\n"
          "[profile proc]\ncredential_process = /usr/bin/get-creds\n");
    net_.replies.push_back(sources_test::reply(200, sts_reply("AssumeRole", "ASIAAPP", "s", "t")));
    auto credentials = fetch("app");
    ASSERT_TRUE(credentials) << credentials.error().message;
    EXPECT_EQ(net_.signings.at(0).access_key_id, "AK-aws.process");
    EXPECT_EQ(credentials->get("access_key_id"), "ASIAAPP");
}

namespace {
const std::string kHelper =
    "credential_process = aws_signing_helper credential-process --certificate /pki/node.pem"
    " --private-key /pki/node.pem --trust-anchor-arn "
    "arn:aws:rolesanywhere:us-west-2:111122223333:trust-anchor/ta"
    " --profile-arn arn:aws:rolesanywhere:us-west-2:111122223333:profile/p"
    " --role-arn arn:aws:iam::111122223333:role/pull\n";
}

TEST_F(ChainFetchTest, SigningHelperIsServedNativelyByRolesAnywhere) {
    write("[profile ra]\n" + kHelper);
    auto credentials = fetch("ra");
    ASSERT_TRUE(credentials) << credentials.error().message;
    EXPECT_EQ(credentials->get("access_key_id"), "AK-aws.roles-anywhere");
    ASSERT_EQ(fake_calls().size(), 1U);
    EXPECT_EQ(fake_calls()[0].config["trustAnchorArn"],
              "arn:aws:rolesanywhere:us-west-2:111122223333:trust-anchor/ta");
    EXPECT_EQ(fake_calls()[0].config["certificate"], "/pki/node.pem");
}

TEST_F(ChainFetchTest, NativeSigningHelperOffSpawns) {
    write("[profile ra]\n" + kHelper);
    auto credentials = fetch("ra", {{"nativeSigningHelper", false}});
    ASSERT_TRUE(credentials) << credentials.error().message;
    EXPECT_EQ(fake_calls().at(0).factory, "aws.process");

    connect(true, true, /*native=*/false);
    fake_calls().clear();
    ASSERT_TRUE(fetch("ra"));
    EXPECT_EQ(fake_calls().at(0).factory, "aws.process");
    fake_calls().clear();
    ASSERT_TRUE(fetch("ra", {{"nativeSigningHelper", true}}));
    EXPECT_EQ(fake_calls().at(0).factory, "aws.roles-anywhere");
}

TEST_F(ChainFetchTest, UnknownHelperFlagsOrNoRolesAnywhereModuleSpawn) {
    write("[profile ra]\n" + kHelper.substr(0, kHelper.size() - 1) + " --cert-selector x\n");
    ASSERT_TRUE(fetch("ra"));
    EXPECT_EQ(fake_calls().at(0).factory, "aws.process");

    write("[profile ra]\n" + kHelper);
    connect(true, /*with_roles_anywhere=*/false);
    fake_calls().clear();
    ASSERT_TRUE(fetch("ra"));
    EXPECT_EQ(fake_calls().at(0).factory, "aws.process");
}

TEST_F(ChainFetchTest, NoAwsProcessModuleIsAClearError) {
    connect(false, false);
    write("[profile p]\ncredential_process = /usr/bin/get-creds\n");
    auto credentials = fetch("p");
    ASSERT_FALSE(credentials);
    EXPECT_THAT(credentials.error().message, HasSubstr("no module provides aws.process"));
}

TEST_F(ChainFetchTest, LoopIsAnErrorBeforeAnyCall) {
    write("[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
          "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n");
    auto credentials = fetch("a");
    ASSERT_FALSE(credentials);
    EXPECT_THAT(credentials.error().message, HasSubstr("a -> b -> a"));
    EXPECT_TRUE(net_.requests.empty());
}

TEST_F(ChainFetchTest, DefaultChainUsesEnvironmentWebIdentity) {
    const auto token = dir_ / "token";
    std::ofstream(token) << "eyJ.env.token";
    ::setenv("AWS_CONFIG_FILE", (dir_ / "absent").c_str(), 1);
    ::setenv("AWS_SHARED_CREDENTIALS_FILE", (dir_ / "absent2").c_str(), 1);
    ::setenv("AWS_WEB_IDENTITY_TOKEN_FILE", token.c_str(), 1);
    ::setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/irsa", 1);
    ::setenv("AWS_REGION", "ap-south-1", 1);
    net_.replies.push_back(
        sources_test::reply(200, sts_reply("AssumeRoleWithWebIdentity", "ASIAIRSA", "s", "t")));
    auto instance = modules::Instance::create(*registry_->find("aws.default-chain"), "profile p",
                                              &environment_, nlohmann::json::object());
    ASSERT_TRUE(instance) << instance.error().message;
    auto credentials = (*instance)->get_credentials({"p", "", {}});
    for (const char *name : {"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE",
                             "AWS_ROLE_ARN", "AWS_REGION"})
        ::unsetenv(name);
    ASSERT_TRUE(credentials) << credentials.error().message;
    EXPECT_EQ(credentials->get("access_key_id"), "ASIAIRSA");
    EXPECT_EQ(credentials->get("region"), "ap-south-1");
    EXPECT_EQ(net_.requests.at(0).url, "https://sts.ap-south-1.amazonaws.com/");
    EXPECT_THAT(net_.requests.at(0).body, HasSubstr("RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Firsa"));
}
