#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <pullcred/testing.hpp>

#include "fixture_paths.hpp"
#include "log/redact.hpp"
#include "modules/instance.hpp"

using namespace pullcred;
using testing::HasSubstr;

namespace {
modules::HostEnvironment fake_environment() {
    modules::HostEnvironment environment;
    environment.now_unix_ms = [] { return std::int64_t{1'700'000'000'000}; };
    environment.deadline_unix_ms = 1'700'000'045'000;
    environment.credentials_for_profile = [](std::string_view profile,
                                             std::string_view) -> Result<sdk::Credentials> {
        if (profile != "p") return Error::failed("unknown profile");
        sdk::Credentials credentials;
        credentials.fields["access_key_id"] = "ID";
        credentials.fields["secret_access_key"] = "from-fake-resolver";
        return credentials;
    };
    environment.net_services = []() -> Result<net::NetServices *> {
        return Error::failed("no network in tests");
    };
    return environment;
}

const modules::FactoryRef &factory(const char *name) {
    static auto discovery = modules::discover_modules({}, {{fixture("test_good"), ""},
                                                           {fixture("test_create_throws"), ""},
                                                           {fixture("test_abi_1_0"), ""},
                                                           {fixture("test_c_ok"), ""},
                                                           {fixture("test_c_describe"), ""}});
    const auto *ref = discovery.registry.find(name);
    if (ref == nullptr) throw std::runtime_error(std::string("fixture factory missing: ") + name);
    return *ref;
}
} // namespace

TEST(ModuleInstance, BackendGetsCredentialsThroughHostServices) {
    auto environment = fake_environment();
    auto backend = modules::Instance::create(factory("test.echo"), "registries[0]", &environment, {});
    ASSERT_TRUE(backend.ok()) << backend.error().message;
    auto auth = (*backend)->get_auth("r.example/x", "r.example", "p");
    ASSERT_TRUE(auth.ok()) << auth.error().message;
    ASSERT_EQ(auth->entries.size(), 1U);
    EXPECT_EQ(auth->entries[0].registry, "r.example");
    EXPECT_EQ(auth->entries[0].password, "from-fake-resolver");
    EXPECT_EQ(log::redact("x from-fake-resolver y"), "x [REDACTED] y");
}

TEST(ModuleInstance, ModuleFailureBecomesAnErrorNamingComponentAndFactory) {
    auto environment = fake_environment();
    auto backend = modules::Instance::create(factory("test.echo"), "registries[3]", &environment, {});
    ASSERT_TRUE(backend.ok());
    auto auth = (*backend)->get_auth("r.example/x", "r.example", "");
    ASSERT_FALSE(auth.ok());
    EXPECT_EQ(auth.error().message, "registries[3]: test.echo failed: a profile is required");
    auto missing = (*backend)->get_auth("r.example/x", "r.example", "nope");
    EXPECT_THAT(missing.error().message, HasSubstr("unknown profile"));
}

TEST(ModuleInstance, ThrowingConstructorIsAnErrorNotACrash) {
    auto environment = fake_environment();
    auto backend = modules::Instance::create(factory("test.throws"), "registries[0]", &environment, {});
    ASSERT_FALSE(backend.ok());
    EXPECT_THAT(backend.error().message, HasSubstr("constructor exploded on purpose"));
}

TEST(ModuleInstance, ConfigIsValidatedAgainstTheFactorySchema) {
    const auto &source = factory("test.fixed-source");
    EXPECT_TRUE(modules::validate_factory_config(source, {{"value", "x"}}, "profiles.a").ok());
    auto wrong = modules::validate_factory_config(source, {{"value", 3}}, "profiles.a");
    ASSERT_FALSE(wrong.ok());
    EXPECT_THAT(wrong.error().message, HasSubstr("profiles.a.value"));
    auto unknown = modules::validate_factory_config(source, {{"valu", "x"}}, "profiles.a");
    EXPECT_FALSE(unknown.ok());
}

TEST(ModuleInstance, SourceSecretsAreRegisteredForRedaction) {
    auto environment = fake_environment();
    auto source = modules::Instance::create(factory("test.fixed-source"), "profile a", &environment,
                                            {{"value", "very-distinctive-secret"}});
    ASSERT_TRUE(source.ok());
    auto credentials = (*source)->get_credentials({"a", "", {}});
    ASSERT_TRUE(credentials.ok());
    EXPECT_EQ(credentials->get("secret_access_key"), "very-distinctive-secret");
    EXPECT_EQ(log::redact("leak very-distinctive-secret"), "leak [REDACTED]");
}

TEST(ModuleInstance, Abi10ModuleIsNotDescribedAndItsBytesPastStructSizeAreNeverUsed) {
    auto environment = fake_environment();
    auto backend = modules::Instance::create(factory("test.abi-one-zero"), "registries[0]", &environment, {});
    ASSERT_TRUE(backend.ok()) << backend.error().message;
    auto described = (*backend)->describe("r.example/x", "r.example", "p");
    ASSERT_TRUE(described.ok()) << described.error().message;
    EXPECT_FALSE(described->has_value()) << "called describe past struct_size: " << **described;
    auto auth = (*backend)->get_auth("r.example/x", "r.example", "p");
    ASSERT_TRUE(auth.ok()) << auth.error().message;
    EXPECT_EQ(auth->entries.at(0).username, "c-user");
}

TEST(ModuleInstance, NullDescribeAndTheWrappersDefaultAreNotDescribed) {
    auto environment = fake_environment();
    for (const char *name : {"test.c-backend", "test.echo"}) {
        auto backend = modules::Instance::create(factory(name), "registries[0]", &environment, {});
        ASSERT_TRUE(backend.ok()) << backend.error().message;
        auto described = (*backend)->describe("r.example/x", "r.example", "p");
        ASSERT_TRUE(described.ok()) << name << ": " << described.error().message;
        EXPECT_FALSE(described->has_value()) << name;
    }
}

TEST(ModuleInstance, DescriptionIsOneLineAndRedacted) {
    auto environment = fake_environment();
    auto backend = modules::Instance::create(factory("test.c-describe"), "registries[0]", &environment, {});
    ASSERT_TRUE(backend.ok()) << backend.error().message;
    log::register_secret("c-password");
    auto described = (*backend)->describe("r.example/x", "r.example", "p");
    ASSERT_TRUE(described.ok()) << described.error().message;
    ASSERT_TRUE(described->has_value());
    EXPECT_EQ(**described, "https://c.example/token leaks [REDACTED]");
}

TEST(SdkDriver, EveryCallIntoTheModuleRunsInsideAround) {
    const sdk::testing::FakeHost host;
    std::vector<std::string> calls;
    auto around = [&calls](const char *call, const std::function<void()> &run) {
        calls.emplace_back(call);
        run();
    };
    {
        auto driver = sdk::Driver::create(*factory("test.echo").factory, host.table(), "{}", around);
        ASSERT_TRUE(driver.ok()) << driver.error().message;
        auto auth = driver->get_auth({"r.example/x", "r.example", "", {}, {}});
        ASSERT_FALSE(auth.ok());
        EXPECT_EQ(auth.error().message, "a profile is required");
        EXPECT_EQ(auth.error().code, ErrorCode::failed);
        auto wrong_kind = driver->get_credentials({"p", "", {}});
        EXPECT_THAT(wrong_kind.error().message, HasSubstr("test.echo is not a credential source"));
    }
    EXPECT_EQ(calls, (std::vector<std::string>{"create", "get_auth", "last_error", "destroy"}));
}

TEST(SdkDriver, AFailedCreateSaysWhyAndItsInstanceIsDestroyed) {
    const sdk::testing::FakeHost host;
    std::vector<std::string> calls;
    auto driver = sdk::Driver::create(*factory("test.fixed-source").factory, host.table(), R"({"value": 7})",
                                      [&calls](const char *call, const std::function<void()> &run) {
                                          calls.emplace_back(call);
                                          run();
                                      });
    ASSERT_FALSE(driver.ok());
    EXPECT_THAT(driver.error().message, HasSubstr("type must be string"));
    EXPECT_EQ(calls, (std::vector<std::string>{"create", "destroy"}));
}

TEST(SdkDriver, AFailedCreateCanSayWhyThroughLastErrorAlone) {
    struct Failed {
        std::string why = "keyFile is required";
    };
    pullcred_factory one_channel{};
    one_channel.struct_size = sizeof one_channel;
    one_channel.kind = PULLCRED_KIND_CREDENTIAL_SOURCE;
    one_channel.name = "test.one-channel";
    one_channel.create = [](const pullcred_host *, pullcred_str, void **instance, pullcred_text_sink *) {
        *instance = new Failed; // NOLINT(cppcoreguidelines-owning-memory): the ABI's handle
        return PULLCRED_FAILED;
    };
    static int destroyed = 0;
    one_channel.destroy = [](void *instance) {
        delete static_cast<Failed *>(instance); // NOLINT(cppcoreguidelines-owning-memory)
        ++destroyed;
    };
    one_channel.last_error = [](void *instance) { return sdk::str(static_cast<Failed *>(instance)->why); };
    const sdk::testing::FakeHost host;
    auto driver = sdk::Driver::create(one_channel, host.table(), "{}");
    ASSERT_FALSE(driver.ok());
    EXPECT_EQ(driver.error().message, "keyFile is required");
    EXPECT_EQ(destroyed, 1);
}

TEST(SdkWrapper, AFailedConstructorLeavesItsReasonInLastError) {
    const sdk::testing::FakeHost host;
    const auto &fixed = *factory("test.fixed-source").factory;
    void *handle = nullptr;
    const std::string config = R"({"value": 7})";
    ASSERT_EQ(fixed.create(host.table(), sdk::str(config), &handle, nullptr), PULLCRED_FAILED);
    ASSERT_NE(handle, nullptr);
    EXPECT_THAT(std::string(sdk::view(fixed.last_error(handle))), HasSubstr("type must be string"));
    fixed.destroy(handle);
}

TEST(SdkTime, ExpiriesTravelInMillisecondsWhereTheSinkHasThem) {
    struct Seen {
        std::int64_t seconds = 0;
        std::int64_t ms = 0;
    } seen;
    pullcred_credentials_sink sink{sizeof(pullcred_credentials_sink), &seen,
                                   [](void *, pullcred_str, pullcred_str) {},
                                   [](void *ctx, std::int64_t s) { static_cast<Seen *>(ctx)->seconds = s; },
                                   [](void *ctx, std::int64_t ms) { static_cast<Seen *>(ctx)->ms = ms; }};
    sdk::detail::write_expiry(&sink, 1'700'000'123);
    EXPECT_EQ(seen.ms, 1'700'000'123'000);
    EXPECT_EQ(seen.seconds, 0);

    seen = {};
    sink.struct_size = offsetof(pullcred_credentials_sink, set_expiry_ms); // an ABI 1.1 host's sink
    sdk::detail::write_expiry(&sink, 1'700'000'123);
    EXPECT_EQ(seen.seconds, 1'700'000'123);
    EXPECT_EQ(seen.ms, 0);

    EXPECT_EQ(sdk::detail::unix_seconds_of(1'700'000'123'999), 1'700'000'123);
    EXPECT_EQ(sdk::detail::unix_seconds_of(-1), -1);
}
