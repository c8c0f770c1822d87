#include <filesystem>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "config/defaults.hpp"
#include "config/loader.hpp"

using namespace pullcred::config;
using testing::AllOf;
using testing::HasSubstr;

namespace {
LoadResult parse(const std::string &text) {
    return parse_config(text, "/etc/pullcred/config.yaml");
}

constexpr const char *kValid = R"(apiVersion: pullcred/v1
kind: Config
cache: {dir: /tmp/c, enabled: false}
profiles:
  default: {source: aws.shared-config, profile: default}
registries:
  - matchImages: ["*.dkr.ecr.*.amazonaws.com"]
    backend: aws.ecr
    profile: default
    cacheDuration: 5h
    region: us-west-2
)";
} // namespace

TEST(ConfigLoader, LoadsTheDesignShape) {
    auto loaded = parse(kValid);
    ASSERT_TRUE(loaded.ok()) << loaded.summary();
    const auto &config = loaded.config;
    EXPECT_EQ(config.cache.dir, "/tmp/c");
    EXPECT_FALSE(config.cache.enabled);
    ASSERT_EQ(config.registries.size(), 1U);
    EXPECT_EQ(config.registries[0].backend, "aws.ecr");
    EXPECT_EQ(config.registries[0].cache_duration, std::chrono::hours(5));
    EXPECT_EQ(config.registries[0].settings["region"], "us-west-2");
    EXPECT_EQ(config.profiles.at("default").source, "aws.shared-config");
}

TEST(ConfigLoader, EveryExampleInTheRepositoryLoads) {
    int count = 0;
    for (const auto &entry : std::filesystem::directory_iterator(PULLCRED_SOURCE_DIR "/config/examples")) {
        auto loaded = load_config_file(entry.path());
        EXPECT_TRUE(loaded.ok()) << entry.path() << ": " << loaded.summary();
        ++count;
    }
    EXPECT_GE(count, 3);
}

TEST(ConfigLoader, JsonAndYamlGiveTheSameConfig) {
    auto yaml = parse(kValid);
    auto json =
        parse_config(R"({"apiVersion":"pullcred/v1","kind":"Config","cache":{"dir":"/tmp/c","enabled":false},
      "profiles":{"default":{"source":"aws.shared-config","profile":"default"}},
      "registries":[{"matchImages":["*.dkr.ecr.*.amazonaws.com"],"backend":"aws.ecr","profile":"default",
                     "cacheDuration":"5h","region":"us-west-2"}]})",
                     "/etc/pullcred/config.json");
    ASSERT_TRUE(json.ok()) << json.summary();
    EXPECT_EQ(json.config.registries[0].settings, yaml.config.registries[0].settings);
    EXPECT_EQ(json.config.profiles.at("default").settings, yaml.config.profiles.at("default").settings);
}

TEST(ConfigLoader, ErrorsNameFileKeyPathAndProblem) {
    struct Case {
        std::string text;
        std::string expected;
    };
    const std::string head = "apiVersion: pullcred/v1\nkind: Config\n";
    const std::vector<Case> cases{
        {"apiVersion: pullcred/v2\nkind: Config\n", "apiVersion"},
        {head + "registrys: []\n", "registrys"},
        {head + "registries:\n  - {matchImages: \"x.io\", backend: a.b}\n", "registries[0].matchImages"},
        {head + "registries:\n  - {matchImages: [x.io]}\n", "registries[0]"},
        {head + "registries:\n  - {matchImages: [x.io], backend: NotDotted}\n", "registries[0].backend"},
        {head + "registries:\n  - {matchImages: [x.io], backend: a.b, cacheDuration: 5 hours}\n",
         "registries[0].cacheDuration"},
        {head + "registries:\n  - {matchImages: [x.io], backend: a.b, profile: missing}\n",
         "registries[0].profile: no profile named \"missing\""},
        {head + "registries:\n  - {matchImages: [\"x.io:*\"], backend: a.b}\n",
         "registries[0].matchImages[0]"},
        {head + "profiles:\n  p: {region: x}\n", "profiles.p"},
        {head + "cache: {enabled: yes please}\n", "cache.enabled"},
        {head + "modules: [{path: /x.so, sha256: nothex}]\n", "modules[0]"},
        {"a: [1,\n", "invalid YAML"},
        {"- a\n- b\n", "expected a mapping"},
        {"{\"apiVersion\": 1,}", "invalid JSON"},
    };
    for (const auto &c : cases) {
        auto loaded = parse(c.text);
        ASSERT_FALSE(loaded.ok()) << c.text;
        const auto summary = loaded.summary();
        EXPECT_THAT(summary, HasSubstr("config /etc/pullcred/config.yaml: ")) << c.text;
        EXPECT_THAT(summary, HasSubstr(c.expected)) << c.text;
        EXPECT_EQ(summary.find('\n'), std::string::npos) << c.text;
    }
}

TEST(ConfigLoader, ReportsEveryProblemNotOnlyTheFirst) {
    auto loaded = parse("apiVersion: pullcred/v1\nkind: Config\nregistries:\n"
                        "  - {matchImages: [x.io], backend: a.b, profile: one}\n"
                        "  - {matchImages: [y.io], backend: a.b, profile: two}\n");
    ASSERT_EQ(loaded.problems.size(), 2U);
    EXPECT_THAT(loaded.summary(), HasSubstr("and 1 more"));
}

TEST(ConfigLoader, MissingFileIsOneClearLine) {
    auto loaded = load_config_file("/nonexistent/pullcred.yaml");
    EXPECT_EQ(loaded.summary(), "config /nonexistent/pullcred.yaml: no such file");
}

TEST(ConfigLocation, FlagThenEnvironmentThenDefault) {
    ::unsetenv("PULLCRED_CONFIG");
    EXPECT_EQ(locate_config("").path, "/etc/pullcred/config.yaml");
    EXPECT_FALSE(locate_config("").explicit_choice);
    ::setenv("PULLCRED_CONFIG", "/env/config.yaml", 1);
    EXPECT_EQ(locate_config("").path, "/env/config.yaml");
    EXPECT_TRUE(locate_config("").explicit_choice);
    EXPECT_EQ(locate_config("/flag.yaml").path, "/flag.yaml");
    ::unsetenv("PULLCRED_CONFIG");
}

TEST(CacheLocation, EnvironmentThenRootDefaultThenTheUsersCacheDirectory) {
    ::setenv("PULLCRED_CACHE_DIR", "/env/cache", 1);
    EXPECT_EQ(default_cache_dir(), "/env/cache");
    EXPECT_EQ(
        parse_config(R"({"apiVersion":"pullcred/v1","kind":"Config","profiles":{},"registries":[]})", "")
            .config.cache.dir,
        "/env/cache");
    EXPECT_EQ(parse_config(R"({"apiVersion":"pullcred/v1","kind":"Config","cache":{"dir":"/from/config"},)"
                           R"("profiles":{},"registries":[]})",
                           "")
                  .config.cache.dir,
              "/from/config");
    ::unsetenv("PULLCRED_CACHE_DIR");
    ::setenv("XDG_CACHE_HOME", "/xdg", 1);
    ::setenv("HOME", "/home/someone", 1);
    if (::geteuid() == 0) {
        EXPECT_EQ(default_cache_dir(), "/var/lib/pullcred/cache");
    } else {
        EXPECT_EQ(default_cache_dir(), "/xdg/pullcred");
        ::unsetenv("XDG_CACHE_HOME");
        EXPECT_EQ(default_cache_dir(), "/home/someone/.cache/pullcred");
        ::unsetenv("HOME");
        EXPECT_EQ(default_cache_dir(), "/tmp/pullcred-" + std::to_string(::geteuid()));
        ::setenv("HOME", "/home/someone", 1);
    }
}

TEST(ConfigLocation, BuiltinConfigIsValidAndServesEcrHosts) {
    auto builtin = builtin_config();
    ASSERT_TRUE(builtin.ok()) << builtin.summary();
    EXPECT_EQ(builtin.config.registries.at(0).backend, "aws.ecr");
}

TEST(ConfigLoader, DeepOrHugeJsonIsRefusedBeforeItCanExhaustTheStack) {
    const std::string deep =
        R"({"apiVersion":"pullcred/v1","kind":"Config","profiles":{"p":{"source":"a.b","x":)" +
        std::string(20000, '[') + std::string(20000, ']') + "}}}";
    EXPECT_THAT(parse(deep).summary(), HasSubstr("nested deeper"));
    const std::string huge =
        R"({"apiVersion":"pullcred/v1","kind":"Config","registries":[{"matchImages":["x.io"],)"
        R"("backend":"a.b","cacheDuration":")" +
        std::string(20000, '5') + R"("}]})";
    EXPECT_THAT(parse(huge).summary(), HasSubstr("registries[0].cacheDuration: longer than 4096 bytes"));
}

TEST(ConfigLoader, DurationsOutsideTheirRangeAreRefusedWithTheRange) {
    const std::string base = "apiVersion: pullcred/v1\nkind: Config\n";
    auto huge = parse(base + "settings: {deadline: 2562000h}\n");
    ASSERT_FALSE(huge.ok());
    EXPECT_THAT(huge.summary(),
                AllOf(HasSubstr("settings.deadline"), HasSubstr("out of range: use 1s to 55s")));
    auto long_deadline = parse(base + "settings: {deadline: 10m}\n");
    EXPECT_THAT(long_deadline.summary(), HasSubstr("kubelet stops a provider after 60s"));
    auto zero = parse(base + "settings: {deadline: 0s}\n");
    EXPECT_FALSE(zero.ok());
    auto timeout = parse(base + "settings: {deadline: 20s, httpTimeout: 30s}\n");
    EXPECT_THAT(timeout.summary(),
                AllOf(HasSubstr("settings.httpTimeout"), HasSubstr("longer than settings.deadline")));
    EXPECT_TRUE(parse(base + "settings: {deadline: 5s}\n").ok())
        << "the default httpTimeout is cut to the deadline";
    EXPECT_TRUE(parse(base + "settings: {deadline: 55s, httpTimeout: 55s}\n").ok());
    auto cache = parse(base + "registries: [{matchImages: [x.io], backend: aws.ecr, cacheDuration: 25h}]\n");
    EXPECT_THAT(cache.summary(), AllOf(HasSubstr("registries[0].cacheDuration"), HasSubstr("0s to 24h0m0s")));
}

// A text known to have passed the schema (its stamp) is built without it; the
// schema still speaks for any text that is not known so, or does not build.
TEST(ConfigLoader, KnownValidTextSkipsTheSchemaAndNothingElse) {
    // Valid for the model, not for the schema: an unknown top-level key.
    const std::string text = R"({"apiVersion":"pullcred/v1","kind":"Config","extraKey":1,
        "profiles":{"node":{"source":"aws.static","secretDir":"/s"}},
        "registries":[{"matchImages":["*.dkr.ecr.*.amazonaws.com"],"backend":"aws.ecr","profile":"node"}]})";
    std::string asked;
    const auto known = [&](const Config &config, std::string_view seen) {
        asked = std::string(seen);
        return config.registries.size() == 1;
    };
    const auto skipped = parse_config(text, "c.json", known);
    EXPECT_TRUE(skipped.ok());
    EXPECT_EQ(asked, text);
    ASSERT_EQ(skipped.config.registries.size(), 1U);

    EXPECT_FALSE(parse_config(text, "c.json", [](const Config &, std::string_view) { return false; }).ok());
    EXPECT_FALSE(parse_config(text, "c.json").ok());
    const auto unbuildable = parse_config(R"({"apiVersion":"pullcred/v1","kind":"Config","registries":"x"})",
                                          "c.json", [](const Config &, std::string_view) { return true; });
    EXPECT_FALSE(unbuildable.ok()) << "a text that does not build is never taken on trust";
}

// The rule settings the host itself reads are typed fields of the model: no
// part of the request path reads them from the rule's JSON.
TEST(ConfigLoader, RuleSettingsOfTheHostAreTypedFields) {
    const auto loaded = parse(R"(apiVersion: pullcred/v1
kind: Config
registries:
  - matchImages: ["a.example.com"]
    backend: aws.static
    cacheKeyType: Global
    serviceAccount:
      required: true
      roleAnnotation: example.com/role
      roleArn: arn:aws:iam::111122223333:role/pull
      stsRegion: eu-west-1
  - matchImages: ["b.example.com"]
    backend: aws.static
    cacheKeyType: Image
    serviceAccount: {forwardToBackend: true}
  - matchImages: ["c.example.com"]
    backend: aws.static
)");
    ASSERT_TRUE(loaded.ok()) << loaded.summary();
    const auto &rules = loaded.config.registries;
    ASSERT_EQ(rules.size(), 3U);
    EXPECT_EQ(rules[0].cache_key_type, CacheKeyType::global);
    EXPECT_TRUE(rules[0].service_account.required);
    EXPECT_FALSE(rules[0].service_account.forward_to_backend);
    EXPECT_EQ(rules[0].service_account.role_annotation, "example.com/role");
    EXPECT_EQ(rules[0].service_account.role_arn, "arn:aws:iam::111122223333:role/pull");
    EXPECT_EQ(rules[0].service_account.sts_region, "eu-west-1");
    EXPECT_EQ(rules[1].cache_key_type, CacheKeyType::image);
    EXPECT_TRUE(rules[1].service_account.forward_to_backend);
    EXPECT_EQ(rules[2].cache_key_type, CacheKeyType::registry);
    EXPECT_EQ(rules[2].service_account, ServiceAccountSettings{});
    EXPECT_EQ(rules[2].service_account.role_annotation, kDefaultRoleAnnotation);
    EXPECT_EQ(to_string(rules[0].cache_key_type), "Global");
}
