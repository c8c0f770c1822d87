// A sub-source (aws.process or aws.roles-anywhere run for a built-in source)
// is module code too: its calls are guarded and named after it.
#include <gtest/gtest.h>
#include <pullcred/testing.hpp>

#include "fixture_paths.hpp"
#include "modules/call_guard.hpp"
#include "sources/factories.hpp"

using namespace pullcred;

namespace {
const modules::FactoryRef &factory(const char *name) {
    static auto discovery =
        modules::discover_modules({}, {{fixture("test_faulty"), ""}, {fixture("test_good"), ""}});
    const auto *ref = discovery.registry.find(name);
    if (ref == nullptr) throw std::runtime_error(std::string("fixture factory missing: ") + name);
    return *ref;
}

std::string expected_who(const char *module, const char *factory_name) {
    return "module " + fixture(module).string() + ": credential_process of AWS profile \"x\" \\(" +
           factory_name + "\\)";
}

void get_credentials(const char *factory_name, const sdk::testing::FakeHost &host) {
    auto sub = sources::SubSource::create(factory(factory_name), host.table(), nlohmann::json::object(),
                                          "credential_process of AWS profile \"x\"");
    if (!sub.ok()) std::exit(9);
    (void)sub.value()->get_credentials("x", "");
}
} // namespace

TEST(SubSource, AnswersThroughTheGuard) {
    const sdk::testing::FakeHost host;
    auto sub = sources::SubSource::create(factory("test.fixed-source"), host.table(), {{"value", "v"}},
                                          "credential_process of AWS profile \"x\"");
    ASSERT_TRUE(sub.ok()) << sub.error().message;
    auto credentials = sub.value()->get_credentials("x", "");
    ASSERT_TRUE(credentials.ok()) << credentials.error().message;
    EXPECT_EQ(credentials.value().get("secret_access_key"), "v");
}

TEST(SubSourceDeathTest, AHangIsNamedAfterTheSubModule) {
    sdk::testing::FakeHost host;
    host.deadline_ms = host.now_ms + 100;
    EXPECT_EXIT(get_credentials("test.hang", host), testing::ExitedWithCode(1),
                "^pullcred: error: " + expected_who("test_faulty", "test.hang") +
                    " did not answer get_credentials within [0-9.]+ s \\(settings.deadline \\+ 2 s\\); "
                    "pullcred gave up\n$");
}

#ifndef PULLCRED_GUARD_SANITIZED
TEST(SubSourceDeathTest, ACrashIsNamedAfterTheSubModule) {
    const sdk::testing::FakeHost host;
    EXPECT_EXIT(get_credentials("test.segv", host), testing::ExitedWithCode(1),
                "^pullcred: error: " + expected_who("test_faulty", "test.segv") +
                    " crashed in get_credentials \\(SIGSEGV\\); pullcred gave up\n$");
}
#endif
