// The real source-rolesanywhere.so, loaded through the host's module loader,
// against a fake network: request shape, every key format of the test PKI
// (tests/emulator/pki.py, generated once per run), the checks made before
// calling AWS, and every reply shape.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <unistd.h>
#include <utility>
#include <vector>

#include "http/net_services.hpp"
#include "modules/instance.hpp"
#include "modules/registry.hpp"
#include "pullcred_test/fake_net.hpp"
#include "pullcred_test/scoped_env.hpp"

namespace fs = std::filesystem;
using testing::AllOf;
using testing::HasSubstr;
using testing::Not;
using testing::StartsWith;

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr const char *kAnchor = "arn:aws:rolesanywhere:us-west-2:111122223333:trust-anchor/ta-1";
constexpr const char *kProfile = "arn:aws:rolesanywhere:us-west-2:111122223333:profile/pr-1";
constexpr const char *kRole = "arn:aws:iam::444455556666:role/ecr-pull";
constexpr const char *kSecret = "ra-unit-secret-key-0000000000000000000001";

std::string slurp(const fs::path &path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// One-line base64 DER of the first CERTIFICATE of a PEM file, the simple way:
// the PEM body lines joined.
std::string pem_body(const std::string &pem, const std::string &label = "CERTIFICATE", std::size_t skip = 0) {
    std::size_t at = 0;
    for (std::size_t i = 0; i <= skip; ++i) {
        at = pem.find("-----BEGIN " + label + "-----", at);
        if (at == std::string::npos) return {};
        if (i < skip) ++at;
    }
    const auto start = pem.find('\n', at) + 1;
    const auto end = pem.find("-----END " + label + "-----", start);
    std::string out;
    for (char c : pem.substr(start, end - start))
        if (c != '\n' && c != '\r') out.push_back(c);
    return out;
}

using pullcred_test::FakeNet;
using pullcred_test::Reply;

FakeNet refusing_hmac_signing() {
    FakeNet net;
    net.sign_code = PULLCRED_FAILED;
    return net;
}

// A CreateSession reply: 201 with a JSON body.
Reply session_reply(std::string body) {
    Reply reply;
    reply.status = 201;
    reply.headers = {{"Content-Type", "application/json"}};
    reply.body = std::move(body);
    return reply;
}

const pullcred::modules::FactoryRef &factory() {
    static auto discovery = pullcred::modules::discover_modules({}, {{RA_MODULE_PATH, ""}});
    const auto *ref = discovery.registry.find("aws.roles-anywhere");
    if (ref == nullptr) {
        std::string problems;
        for (const auto &problem : discovery.problems) problems += problem + "\n";
        throw std::runtime_error("aws.roles-anywhere not found in " + std::string(RA_MODULE_PATH) + ": " +
                                 problems);
    }
    return *ref;
}

std::string reply_body(const std::string &expiration = "2099-01-01T00:00:00Z") {
    return nlohmann::json{
        {"credentialSet",
         {{{"assumedRoleUser", {{"arn", "arn:aws:sts::444455556666:assumed-role/ecr-pull/x"}}},
           {"credentials",
            {{"accessKeyId", "ASIARAUNITTEST000001"},
             {"secretAccessKey", kSecret},
             {"sessionToken", "ra-unit-session-token"},
             {"expiration", expiration}}},
           {"roleArn", kRole}}}},
        {"subjectArn", "arn:aws:rolesanywhere:us-west-2:111122223333:subject/x"}}
        .dump();
}

Reply error_reply(int status, const std::string &type, const std::string &message) {
    Reply reply = session_reply(nlohmann::json{{"message", message}}.dump());
    reply.status = status;
    reply.headers.emplace_back("X-Amzn-ErrorType", type);
    return reply;
}

// The test PKI (tests/emulator/pki.py), shared by the test processes of one
// build tree: ctest runs every test in its own process, and generating RSA
// keys takes seconds. It is made afresh when older than a day (its expired
// and not-yet-valid certificates are relative to when it was made), into a
// temporary directory renamed into place, so concurrent tests never see half
// of one.
const nlohmann::json &pki() {
    static const nlohmann::json manifest = [] {
        const fs::path dir = fs::path(PULLCRED_BINARY_DIR) / "tests" / "ra-unit-pki";
        const auto manifest_path = dir / "manifest.json";
        std::error_code error;
        if (fs::exists(manifest_path)) {
            const auto age = fs::file_time_type::clock::now() - fs::last_write_time(manifest_path, error);
            if (!error && age < std::chrono::hours(24)) return nlohmann::json::parse(slurp(manifest_path));
            const auto stale = dir.string() + ".stale-" + std::to_string(::getpid());
            fs::rename(dir, stale, error);
            fs::remove_all(stale, error);
        }
        const auto fresh = dir.string() + ".new-" + std::to_string(::getpid());
        fs::remove_all(fresh, error);
        const std::string command = std::string(PULLCRED_PYTHON) + " " + PULLCRED_SOURCE_DIR +
                                    "/tests/emulator/pki.py '" + fresh + "' > /dev/null";
        if (std::system(command.c_str()) != 0) throw std::runtime_error("pki.py failed: " + command);
        // The manifest names absolute paths: rewrite them for the final place.
        auto generated = slurp(fs::path(fresh) / "manifest.json");
        for (auto at = generated.find(fresh); at != std::string::npos; at = generated.find(fresh, at))
            generated.replace(at, fresh.size(), dir.string());
        std::ofstream(fs::path(fresh) / "manifest.json", std::ios::binary | std::ios::trunc) << generated;
        fs::rename(fresh, dir, error);
        if (error) fs::remove_all(fresh, error); // another test process was first: use its PKI
        return nlohmann::json::parse(slurp(manifest_path));
    }();
    return manifest;
}

const nlohmann::json &client(const std::string &name) {
    return pki().at("clients").at(name);
}

using pullcred_test::ScopedEnv;

class RolesAnywhere : public testing::Test {
protected:
    void SetUp() override {
        for (const char *name :
             {"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_ROLESANYWHERE", "AWS_USE_FIPS_ENDPOINT",
              "AWS_USE_DUALSTACK_ENDPOINT", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_REGION",
              "AWS_DEFAULT_REGION", "AWS_CONFIG_FILE", "AWS_PROFILE"})
            env.unset(name);
        environment.now_unix_ms = [this] { return now_ms; };
        environment.deadline_unix_ms = now_ms + 45'000;
        environment.credentials_for_profile =
            [](std::string_view, std::string_view) -> pullcred::Result<pullcred::sdk::Credentials> {
            return pullcred::Error::failed("not used");
        };
        environment.net_services = [this]() -> pullcred::Result<pullcred::net::NetServices *> {
            return &net;
        };
        dir = fs::temp_directory_path() / ("ra-unit-" + std::to_string(::getpid()) + "-" +
                                           testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir);
    }
    void TearDown() override {
        fs::remove_all(dir);
        EXPECT_TRUE(net.signings.empty()) << "aws.roles-anywhere signs with its key, never with HMAC SigV4";
    }

    static nlohmann::json settings_for(const std::string &name) {
        const auto &c = client(name);
        nlohmann::json settings{{"certificate", c.at("cert")},
                                {"privateKey", c.at("key")},
                                {"trustAnchorArn", kAnchor},
                                {"profileArn", kProfile},
                                {"roleArn", kRole}};
        if (c.contains("intermediates")) settings["intermediates"] = c.at("intermediates");
        return settings;
    }

    pullcred::Result<std::unique_ptr<pullcred::modules::Instance>> source(const nlohmann::json &settings) {
        return pullcred::modules::Instance::create(factory(), "profile node", &environment, settings);
    }

    pullcred::Result<pullcred::sdk::Credentials> fetch(const nlohmann::json &settings) {
        auto instance = source(settings);
        if (!instance) return instance.error();
        return (*instance)->get_credentials({"node", "", {}});
    }

    void queue_ok() {
        Reply reply = session_reply(reply_body());
        net.replies.push_back(reply);
    }

    std::string write(const std::string &name, const std::string &text) {
        const auto path = dir / name;
        std::ofstream(path, std::ios::binary) << text;
        return path.string();
    }

    ScopedEnv env;
    FakeNet net = refusing_hmac_signing();
    std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
    pullcred::modules::HostEnvironment environment;
    fs::path dir;
};

} // namespace

// ---- request shape ----

TEST_F(RolesAnywhere, KubeletCombinedFileRequestShapeAndAnswer) {
    const auto &c = client("ec-p256");
    auto settings = settings_for("ec-p256");
    settings["certificate"] = c.at("combined");
    settings["privateKey"] = c.at("combined");
    queue_ok();
    auto credentials = fetch(settings);
    ASSERT_TRUE(credentials.ok()) << credentials.error().message;

    ASSERT_EQ(net.requests.size(), 1U);
    const auto &sent = net.requests[0];
    EXPECT_EQ(sent.method, "POST");
    EXPECT_EQ(sent.url,
              "https://rolesanywhere.us-west-2.amazonaws.com/sessions?"
              "profileArn=arn%3Aaws%3Arolesanywhere%3Aus-west-2%3A111122223333%3Aprofile%2Fpr-1&"
              "roleArn=arn%3Aaws%3Aiam%3A%3A444455556666%3Arole%2Fecr-pull&"
              "trustAnchorArn=arn%3Aaws%3Arolesanywhere%3Aus-west-2%3A111122223333%3Atrust-anchor%2Fta-1");
    EXPECT_EQ(sent.body, R"({"durationSeconds":3600})");
    EXPECT_EQ(sent.header("Content-Type"), "application/json");
    EXPECT_EQ(sent.header("Host"), "rolesanywhere.us-west-2.amazonaws.com");
    EXPECT_EQ(sent.header("X-Amz-X509"), pem_body(slurp(c.at("cert").get<std::string>())));
    EXPECT_EQ(sent.header("X-Amz-X509-Chain"), "");
    EXPECT_EQ(sent.header("X-Amz-Date").size(), 16U);
    const std::string day = sent.header("X-Amz-Date").substr(0, 8);
    EXPECT_THAT(sent.header("Authorization"),
                StartsWith("AWS4-X509-ECDSA-SHA256 Credential=" + c.at("serial").get<std::string>() + "/" +
                           day +
                           "/us-west-2/rolesanywhere/aws4_request, "
                           "SignedHeaders=content-type;host;x-amz-date;x-amz-x509, Signature=30"));
    EXPECT_EQ(sent.flags, static_cast<std::uint32_t>(PULLCRED_HTTP_IGNORE_PROXY))
        << "verify TLS; ignore proxies unless withProxy";

    EXPECT_EQ(credentials->get("access_key_id"), "ASIARAUNITTEST000001");
    EXPECT_EQ(credentials->get("secret_access_key"), kSecret);
    EXPECT_EQ(credentials->get("session_token"), "ra-unit-session-token");
    EXPECT_EQ(credentials->get("region"), "us-west-2");
    EXPECT_EQ(credentials->get("account_id"), "444455556666");
    EXPECT_EQ(credentials->get("expiration"), "2099-01-01T00:00:00Z");
    EXPECT_EQ(credentials->expires_unix, 4070908800);
}

TEST_F(RolesAnywhere, OptionalSettingsReachTheRequest) {
    auto settings = settings_for("ec-p256");
    settings["sessionDuration"] = 900;
    settings["roleSessionName"] = "node-1.example@x";
    settings["noVerifySsl"] = true;
    settings["withProxy"] = true;
    settings["endpoint"] = "http://127.0.0.1:9999/base";
    queue_ok();
    auto credentials = fetch(settings);
    ASSERT_TRUE(credentials.ok()) << credentials.error().message;
    const auto &sent = net.requests.at(0);
    EXPECT_EQ(sent.body, R"({"durationSeconds":900,"roleSessionName":"node-1.example@x"})");
    EXPECT_THAT(sent.url, StartsWith("http://127.0.0.1:9999/base/sessions?profileArn="));
    EXPECT_EQ(sent.header("Host"), "127.0.0.1:9999");
    EXPECT_EQ(sent.flags, static_cast<std::uint32_t>(PULLCRED_HTTP_INSECURE_SKIP_VERIFY));
}

TEST_F(RolesAnywhere, EndpointFromEnvironmentAndFips) {
    env.set("AWS_ENDPOINT_URL_ROLESANYWHERE", "https://127.0.0.1:4443");
    queue_ok();
    ASSERT_TRUE(fetch(settings_for("ec-p256")).ok());
    EXPECT_THAT(net.requests.at(0).url, StartsWith("https://127.0.0.1:4443/sessions?"));
    env.unset("AWS_ENDPOINT_URL_ROLESANYWHERE");
    env.set("AWS_USE_FIPS_ENDPOINT", "true");
    queue_ok();
    ASSERT_TRUE(fetch(settings_for("ec-p256")).ok());
    EXPECT_THAT(net.requests.at(1).url,
                StartsWith("https://rolesanywhere-fips.us-west-2.amazonaws.com/sessions?"));
}

TEST_F(RolesAnywhere, RegionDefaultsToTheTrustAnchorsAndPartitionsWork) {
    auto settings = settings_for("ec-p256");
    settings["trustAnchorArn"] = "arn:aws-cn:rolesanywhere:cn-north-1:111122223333:trust-anchor/a";
    settings["profileArn"] = "arn:aws-cn:rolesanywhere:cn-north-1:111122223333:profile/b";
    settings["roleArn"] = "arn:aws-cn:iam::111122223333:role/r";
    queue_ok();
    auto credentials = fetch(settings);
    ASSERT_TRUE(credentials.ok()) << credentials.error().message;
    EXPECT_THAT(net.requests.at(0).url,
                StartsWith("https://rolesanywhere.cn-north-1.amazonaws.com.cn/sessions?"));
    EXPECT_THAT(net.requests.at(0).header("Authorization"),
                HasSubstr("/cn-north-1/rolesanywhere/aws4_request"));
    EXPECT_EQ(credentials->get("region"), "cn-north-1");
}

TEST_F(RolesAnywhere, IntermediatesAreSentAndSigned) {
    const auto &c = client("intermediate");
    queue_ok();
    auto credentials = fetch(settings_for("intermediate"));
    ASSERT_TRUE(credentials.ok()) << credentials.error().message;
    const auto &sent = net.requests.at(0);
    const auto bundle = slurp(c.at("intermediates").get<std::string>());
    std::string expected = pem_body(bundle);
    for (std::size_t i = 1; !pem_body(bundle, "CERTIFICATE", i).empty(); ++i)
        expected += "," + pem_body(bundle, "CERTIFICATE", i);
    EXPECT_EQ(sent.header("X-Amz-X509-Chain"), expected);
    EXPECT_THAT(sent.header("Authorization"),
                HasSubstr("SignedHeaders=content-type;host;x-amz-date;x-amz-x509;x-amz-x509-chain, "));
}

// ---- key formats ----

TEST_F(RolesAnywhere, EveryKeyFormatOfThePki) {
    const auto password_file =
        write("password", client("ec-p256-encrypted").at("password").get<std::string>() + "\n");
    for (const std::string name :
         {"ec-p256", "ec-p256-params", "ec-p384", "rsa", "rsa-pkcs1", "ec-p256-encrypted", "rsa-encrypted"}) {
        SCOPED_TRACE(name);
        auto settings = settings_for(name);
        if (client(name).contains("password")) settings["privateKeyPasswordFile"] = password_file;
        net.requests.clear();
        queue_ok();
        auto credentials = fetch(settings);
        ASSERT_TRUE(credentials.ok()) << credentials.error().message;
        ASSERT_EQ(net.requests.size(), 1U);
        EXPECT_THAT(net.requests[0].header("Authorization"),
                    StartsWith(client(name).at("algorithm").get<std::string>() +
                               " Credential=" + client(name).at("serial").get<std::string>() + "/"));
    }
}

TEST_F(RolesAnywhere, EncryptedKeyPasswordFromEnvironment) {
    env.set("RA_UNIT_KEY_PASSWORD", client("rsa-encrypted").at("password").get<std::string>());
    auto settings = settings_for("rsa-encrypted");
    settings["privateKeyPasswordEnv"] = "RA_UNIT_KEY_PASSWORD";
    queue_ok();
    auto credentials = fetch(settings);
    ASSERT_TRUE(credentials.ok()) << credentials.error().message;
}

TEST_F(RolesAnywhere, EncryptedKeyWithoutOrWithAWrongPassword) {
    auto settings = settings_for("ec-p256-encrypted");
    auto missing = fetch(settings);
    ASSERT_FALSE(missing.ok());
    EXPECT_THAT(missing.error().message, AllOf(HasSubstr("encrypted"), HasSubstr("privateKeyPasswordFile")));
    settings["privateKeyPasswordFile"] = write("wrong", "not-the-password\n");
    auto wrong = fetch(settings);
    ASSERT_FALSE(wrong.ok());
    EXPECT_THAT(wrong.error().message, HasSubstr("cannot decrypt the key"));
    EXPECT_THAT(wrong.error().message, Not(HasSubstr("not-the-password")));
    settings.erase("privateKeyPasswordFile");
    settings["privateKeyPasswordEnv"] = "RA_UNIT_NO_SUCH_VARIABLE";
    env.unset("RA_UNIT_NO_SUCH_VARIABLE");
    auto unset = fetch(settings);
    ASSERT_FALSE(unset.ok());
    EXPECT_THAT(unset.error().message, HasSubstr("RA_UNIT_NO_SUCH_VARIABLE is not set"));
    EXPECT_TRUE(net.requests.empty());
}

TEST_F(RolesAnywhere, FilesAreReadAgainOnEveryFetch) {
    // One instance; its files change between fetches (certificate rotation).
    const auto combined = write("current.pem", slurp(client("ec-p256").at("combined").get<std::string>()));
    auto settings = settings_for("ec-p256");
    settings["certificate"] = combined;
    settings["privateKey"] = combined;
    auto instance = source(settings);
    ASSERT_TRUE(instance.ok()) << instance.error().message;
    queue_ok();
    ASSERT_TRUE((*instance)->get_credentials({"node", "", {}}).ok());
    const auto &rsa = client("rsa");
    write("current.pem", slurp(rsa.at("cert").get<std::string>()) + slurp(rsa.at("key").get<std::string>()));
    queue_ok();
    auto again = (*instance)->get_credentials({"node", "", {}});
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_THAT(net.requests.at(1).header("Authorization"),
                StartsWith("AWS4-X509-RSA-SHA256 Credential=" + rsa.at("serial").get<std::string>() + "/"));
    fs::remove(combined);
    auto gone = (*instance)->get_credentials({"node", "", {}});
    ASSERT_FALSE(gone.ok());
    EXPECT_THAT(gone.error().message,
                HasSubstr("certificate " + combined + ": cannot read it: no such file"));
}

// ---- checks before calling AWS ----

TEST_F(RolesAnywhere, KeyOfAnotherCertificateIsRefused) {
    auto settings = settings_for("ec-p256");
    settings["privateKey"] = client("ec-p384").at("key");
    auto result = fetch(settings);
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.error().message,
                AllOf(HasSubstr("does not belong to certificate"), HasSubstr("public keys differ"),
                      HasSubstr(client("ec-p256").at("serial").get<std::string>())));
    settings["privateKey"] = client("rsa").at("key");
    result = fetch(settings);
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.error().message, HasSubstr("does not belong to certificate"));
    EXPECT_TRUE(net.requests.empty());
}

TEST_F(RolesAnywhere, ExpiredAndNotYetValidCertificates) {
    auto expired = fetch(settings_for("expired"));
    ASSERT_FALSE(expired.ok());
    EXPECT_THAT(expired.error().message, AllOf(HasSubstr("expired at"), HasSubstr("renew")));
    auto early = fetch(settings_for("not-yet-valid"));
    ASSERT_FALSE(early.ok());
    EXPECT_THAT(early.error().message, AllOf(HasSubstr("is not valid yet"), HasSubstr("clock")));
    EXPECT_TRUE(net.requests.empty());
    // The host's clock decides: a year ahead, the ec-p256 leaf has expired.
    now_ms += 400LL * 24 * 3600 * 1000;
    auto later = fetch(settings_for("ec-p256"));
    ASSERT_FALSE(later.ok());
    EXPECT_THAT(later.error().message, HasSubstr("expired at"));
}

TEST_F(RolesAnywhere, MissingFilesAreNamed) {
    auto settings = settings_for("ec-p256");
    settings["privateKey"] = (dir / "nope.key").string();
    auto result = fetch(settings);
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.error().message,
                HasSubstr("privateKey " + (dir / "nope.key").string() + ": cannot read it: no such file"));
    settings = settings_for("ec-p256");
    settings["privateKey"] = client("ec-p256").at("cert"); // a certificate, no key
    result = fetch(settings);
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.error().message,
                AllOf(HasSubstr("no private key block"), HasSubstr("only CERTIFICATE")));
    settings = settings_for("ec-p256");
    settings["intermediates"] = (dir / "none.pem").string();
    result = fetch(settings);
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.error().message, HasSubstr("intermediates " + (dir / "none.pem").string()));
    EXPECT_TRUE(net.requests.empty());
}

TEST_F(RolesAnywhere, UnsupportedKeyAlgorithm) {
    const auto key = (dir / "ed.key").string();
    const auto cert = (dir / "ed.crt").string();
    const std::string command = "openssl req -x509 -newkey ed25519 -nodes -subj /CN=ed -days 2 -keyout '" +
                                key + "' -out '" + cert + "' > /dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0);
    auto settings = settings_for("ec-p256");
    settings["certificate"] = cert;
    settings["privateKey"] = key;
    auto result = fetch(settings);
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.error().message, AllOf(HasSubstr("unsupported key algorithm"), HasSubstr("ED25519")));
    EXPECT_TRUE(net.requests.empty());
}

TEST_F(RolesAnywhere, ConfigErrors) {
    struct Case {
        const char *key;
        nlohmann::json value;
        const char *expected;
    };
    const Case cases[] = {
        {"profileArn", "arn:aws:rolesanywhere:eu-west-1:111122223333:profile/p",
         "profile must be in its trust"},
        {"profileArn", "arn:aws:rolesanywhere:us-west-2:999999999999:profile/p", "same account"},
        {"region", "eu-west-1", "disagrees with trustAnchorArn's region us-west-2"},
        {"trustAnchorArn", "arn:aws:iam::111122223333:role/x", "not a Roles Anywhere trust-anchor ARN"},
        {"roleArn", "arn:aws:iam::111122223333:user/x", "not an IAM role ARN"},
        {"sessionDuration", 60, "900 to 43200"},
        {"sessionDuration", 50000, "900 to 43200"},
        {"roleSessionName", "a b", "roleSessionName"},
        {"endpoint", "ftp://x", "endpoint"},
        {"noVerifySsl", "yes", "noVerifySsl must be true or false"},
        {"colour", "blue", "unknown key colour"},
    };
    for (const auto &c : cases) {
        SCOPED_TRACE(c.key);
        auto settings = settings_for("ec-p256");
        settings[c.key] = c.value;
        auto instance = source(settings);
        ASSERT_FALSE(instance.ok());
        EXPECT_THAT(instance.error().message, HasSubstr(c.expected));
    }
    auto settings = settings_for("ec-p256");
    settings.erase("roleArn");
    auto instance = source(settings);
    ASSERT_FALSE(instance.ok());
    EXPECT_THAT(instance.error().message, HasSubstr("roleArn is required"));
    // The schema says the same to check-config.
    EXPECT_NE(std::string(factory().factory->config_schema).find("\"additionalProperties\": false"),
              std::string::npos);
}

// ---- replies ----

TEST_F(RolesAnywhere, AwsErrorsComeWithWhatToCheck) {
    struct Case {
        Reply reply;
        std::vector<std::string> expected;
    };
    const Case cases[] = {
        {error_reply(403, "AccessDeniedException", "Untrusted Signing Certificate"),
         {"failed:", "HTTP 403 AccessDeniedException: Untrusted Signing Certificate",
          "trust anchor holds the CA that issued the certificate", kAnchor}},
        {error_reply(403, "AccessDeniedException", "Invalid signature"),
         {"Invalid signature", "private key belongs to the certificate", "clock"}},
        {error_reply(404, "ResourceNotFoundException:http://internal.amazon.com/", "Trust anchor not found"),
         {"HTTP 404 ResourceNotFoundException: Trust anchor not found",
          "check trustAnchorArn and profileArn"}},
        {error_reply(400, "ValidationException", "Invalid roleArn"),
         {"ValidationException: Invalid roleArn"}},
        {error_reply(429, "ThrottlingException", "Rate exceeded"), {"temporary failure:", "Rate exceeded"}},
        {error_reply(500, "InternalServerException", "boom"), {"temporary failure:", "HTTP 500"}},
    };
    for (const auto &c : cases) {
        SCOPED_TRACE(c.reply.body);
        net.replies.push_back(c.reply);
        auto result = fetch(settings_for("ec-p256"));
        ASSERT_FALSE(result.ok());
        for (const auto &text : c.expected) EXPECT_THAT(result.error().message, HasSubstr(text));
        EXPECT_EQ(result.error().message.find('\n'), std::string::npos);
    }
}

TEST_F(RolesAnywhere, MalformedRepliesAreOneClearLine) {
    struct Case {
        std::string body;
        const char *expected;
    };
    const Case cases[] = {
        {R"({"credentialSet":[{"credentials":{"accessKeyId":"AS)", "not JSON"},
        {R"({"credentialSet":[]})", "credentialSet is empty"},
        {R"({"message":"Access denied SECRET"})",
         "without a credentialSet in the reply (a 2xx body is never quoted"},
        {R"({"credentialSet":[{}]})", "credentialSet[0] has no credentials object"},
        {R"({"credentialSet":[{"credentials":{"accessKeyId":"A","secretAccessKey":"S","sessionToken":"T"}}]})",
         "credentials.expiration is missing"},
        {R"({"credentialSet":[{"credentials":{"accessKeyId":"A","secretAccessKey":"S","sessionToken":"T",)"
         R"("expiration":"2030-13-01T00:00:00Z"}}]})",
         "\"2030-13-01T00:00:00Z\" is not an RFC 3339 time"},
        {R"({"credentialSet":[{"credentials":{"accessKeyId":"A","secretAccessKey":"S","sessionToken":"T",)"
         R"("expiration":"SECRET"}}]})",
         "expiration (6 characters, not quoted) is not an RFC 3339 time"},
        {R"([1,2])", "not a JSON object"},
    };
    for (const auto &c : cases) {
        SCOPED_TRACE(c.body);
        Reply reply = session_reply(c.body);
        net.replies.push_back(reply);
        auto result = fetch(settings_for("ec-p256"));
        ASSERT_FALSE(result.ok());
        EXPECT_THAT(result.error().message, HasSubstr(c.expected));
        EXPECT_THAT(result.error().message, Not(HasSubstr("\"S\"")));
        EXPECT_THAT(result.error().message, Not(HasSubstr("SECRET")));
        EXPECT_EQ(result.error().message.find('\n'), std::string::npos);
    }
}

TEST_F(RolesAnywhere, AlreadyExpiredCredentialsAndNetworkFailures) {
    Reply reply = session_reply(reply_body("2001-01-01T00:00:00Z"));
    net.replies.push_back(reply);
    auto result = fetch(settings_for("ec-p256"));
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.error().message,
                AllOf(HasSubstr("expired at 2001-01-01T00:00:00Z"), HasSubstr("clock")));
    Reply down;
    down.code = PULLCRED_RETRYABLE;
    down.error = "connection refused";
    net.replies.push_back(down);
    result = fetch(settings_for("ec-p256"));
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.error().message, AllOf(HasSubstr("temporary failure"), HasSubstr("connection refused"),
                                              HasSubstr("Roles Anywhere CreateSession at https://")));
}

// ---- DER certificates and PKCS#12 bundles (made with the openssl CLI) ----

TEST_F(RolesAnywhere, DerCertificateBesidePemKey) {
    const auto &c = client("rsa");
    const auto der = (dir / "cert.der").string();
    ASSERT_EQ(std::system(("openssl x509 -in '" + c.at("cert").get<std::string>() + "' -outform DER -out '" +
                           der + "'")
                              .c_str()),
              0);
    auto settings = settings_for("rsa");
    settings["certificate"] = der;
    queue_ok();
    auto credentials = fetch(settings);
    ASSERT_TRUE(credentials.ok()) << credentials.error().message;
    EXPECT_EQ(net.requests.at(0).header("X-Amz-X509"), pem_body(slurp(c.at("cert").get<std::string>())));
}

TEST_F(RolesAnywhere, Pkcs12BundlesLegacyAndAes256WithTheirChain) {
    const auto &c = client("ec-p256");
    const auto ca = pki().at("ca").at("cert").get<std::string>();
    for (const std::string variant : {"-legacy", ""}) {
        SCOPED_TRACE("openssl pkcs12 -export " + variant);
        const auto bundle = (dir / ("bundle" + variant + ".p12")).string();
        ASSERT_EQ(
            std::system(("openssl pkcs12 -export " + variant + " -in '" + c.at("cert").get<std::string>() +
                         "' -inkey '" + c.at("key").get<std::string>() + "' -certfile '" + ca +
                         "' -passout pass: -out '" + bundle + "'")
                            .c_str()),
            0);
        auto settings = settings_for("ec-p256");
        settings["certificate"] = bundle;
        settings.erase("privateKey");
        net.requests.clear();
        queue_ok();
        auto credentials = fetch(settings);
        ASSERT_TRUE(credentials.ok()) << credentials.error().message;
        const auto &sent = net.requests.at(0);
        EXPECT_EQ(sent.header("X-Amz-X509"), pem_body(slurp(c.at("cert").get<std::string>())));
        EXPECT_EQ(sent.header("X-Amz-X509-Chain"), pem_body(slurp(ca)));
        EXPECT_THAT(sent.header("Authorization"), HasSubstr("x-amz-x509-chain"));

        settings["privateKey"] = c.at("key");
        auto both = fetch(settings);
        ASSERT_FALSE(both.ok());
        EXPECT_THAT(both.error().message, HasSubstr("PKCS#12 bundle holding its own key: remove privateKey"));
    }
}

TEST_F(RolesAnywhere, Pkcs12WithAPasswordOrNoKeyIsNamed) {
    const auto &c = client("ec-p256");
    const auto secret_bundle = (dir / "secret.p12").string();
    ASSERT_EQ(std::system(("openssl pkcs12 -export -in '" + c.at("cert").get<std::string>() + "' -inkey '" +
                           c.at("key").get<std::string>() + "' -passout pass:s3cr3t-pw -out '" +
                           secret_bundle + "'")
                              .c_str()),
              0);
    auto settings = settings_for("ec-p256");
    settings.erase("privateKey");
    settings["certificate"] = secret_bundle;
    auto refused = fetch(settings);
    ASSERT_FALSE(refused.ok());
    EXPECT_THAT(refused.error().message,
                AllOf(HasSubstr("has a password"), HasSubstr("-passout pass:"), Not(HasSubstr("s3cr3t-pw"))));

    const auto keyless = (dir / "keyless.p12").string();
    ASSERT_EQ(std::system(("openssl pkcs12 -export -nokeys -in '" + c.at("cert").get<std::string>() +
                           "' -passout pass: -out '" + keyless + "'")
                              .c_str()),
              0);
    settings["certificate"] = keyless;
    auto no_key = fetch(settings);
    ASSERT_FALSE(no_key.ok());
    EXPECT_THAT(no_key.error().message, HasSubstr("holds no private key"));

    settings["certificate"] = write("garbage.bin", std::string("\x30\x03\x02\x01\x05 not a cert", 16));
    auto garbage = fetch(settings);
    ASSERT_FALSE(garbage.ok());
    EXPECT_THAT(garbage.error().message,
                HasSubstr("neither a PEM nor a DER X.509 certificate nor a PKCS#12"));

    settings["certificate"] = c.at("cert");
    auto pem_without_key = fetch(settings);
    ASSERT_FALSE(pem_without_key.ok());
    EXPECT_THAT(pem_without_key.error().message,
                HasSubstr("holds no key (not a PKCS#12 bundle): set privateKey"));
}

TEST_F(RolesAnywhere, HardwareKeyLocationsAreCheckedWhenTheConfigIsRead) {
    for (const auto &[key, value, expected] :
         {std::tuple{"certificate", "pkcs11:token=node;object=cert", "its key must be in a token too"},
          std::tuple{"privateKey", "pkcs11:token=node;bogus=1?pin-value=1234",
                     "unknown path attribute bogus"},
          std::tuple{"privateKey", "pkcs11:object=a%zz?pin-value=1234", "broken percent escape"},
          std::tuple{"privateKey", "handle:0x01000001", "not a persistent handle"},
          std::tuple{"certificate", "handle:0x81000001", "cannot be a TPM handle"}}) {
        auto settings = settings_for("ec-p256");
        settings[key] = value;
        auto instance = source(settings);
        ASSERT_FALSE(instance.ok()) << value;
        EXPECT_THAT(instance.error().message, AllOf(HasSubstr(expected), Not(HasSubstr("1234"))));
    }
    auto settings = settings_for("ec-p256");
    settings["privateKey"] =
        write("tpm.key", "-----BEGIN TSS2 PRIVATE KEY-----\nMAA=\n-----END TSS2 PRIVATE KEY-----\n");
    auto tss2 = fetch(settings);
    ASSERT_FALSE(tss2.ok());
    EXPECT_THAT(tss2.error().message, HasSubstr("is not a valid TPM 2.0 key file"));
}
