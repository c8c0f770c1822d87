#include <array>
#include <cstdio>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <memory>
#include <string>

#include "fixture_paths.hpp"
#include "modules/registry.hpp"

using pullcred::modules::discover_modules;
using testing::AllOf;
using testing::ElementsAre;
using testing::HasSubstr;

namespace {
// The digest as coreutils computes it, not as pullcred does.
std::string sha256sum(const std::string &path) {
    std::unique_ptr<FILE, int (*)(FILE *)> pipe(::popen(("sha256sum '" + path + "'").c_str(), "r"), ::pclose);
    std::array<char, 65> digest{};
    if (!pipe || std::fread(digest.data(), 1, 64, pipe.get()) != 64) return {};
    return std::string(digest.data(), 64);
}
} // namespace

TEST(ModuleRegistry, FindsFactoriesOfConfiguredModules) {
    auto discovery = discover_modules({}, {{fixture("test_good"), ""}, {fixture("test_c_ok"), ""}});
    EXPECT_TRUE(discovery.problems.empty());
    ASSERT_NE(discovery.registry.find("test.echo"), nullptr);
    EXPECT_EQ(discovery.registry.find("test.echo")->module_name, "test-good");
    EXPECT_NE(discovery.registry.find("test.c-backend"), nullptr);
    EXPECT_EQ(discovery.registry.find("test.nothing"), nullptr);
}

TEST(ModuleRegistry, RefusesTheSecondModuleProvidingAFactoryName) {
    auto discovery =
        discover_modules({}, {{fixture("test_good"), ""}, {fixture("test_duplicate_of_good"), ""}});
    ASSERT_EQ(discovery.problems.size(), 1U);
    EXPECT_THAT(discovery.problems[0],
                AllOf(HasSubstr("test_duplicate_of_good.so"), HasSubstr("\"test.echo\""),
                      HasSubstr("test_good.so"), HasSubstr("remove one")));
    EXPECT_EQ(discovery.registry.find("test.echo")->module_name, "test-good");
}

TEST(ModuleRegistry, RefusesAModuleDefiningOneNameTwice) {
    auto discovery = discover_modules({}, {{fixture("test_duplicate_in_module"), ""}});
    ASSERT_EQ(discovery.problems.size(), 1U);
    EXPECT_THAT(discovery.problems[0], AllOf(HasSubstr("test_duplicate_in_module.so"), HasSubstr("twice")));
    EXPECT_EQ(discovery.registry.find("test.c-backend"), nullptr);
}

TEST(ModuleRegistry, ReportsEveryBrokenModuleAndKeepsTheGoodOnes) {
    auto discovery = discover_modules(
        {}, {{fixture("test_wrong_major"), ""}, {fixture("test_no_entry"), ""}, {fixture("test_good"), ""}});
    EXPECT_EQ(discovery.problems.size(), 2U);
    EXPECT_NE(discovery.registry.find("test.fixed-source"), nullptr);
}

TEST(ModuleRegistry, ScansAModuleDirectoryForSharedObjectsOnly) {
    auto files = pullcred::modules::module_files(TEST_FIXTURE_DIR);
    EXPECT_GE(files.size(), 8U);
    for (const auto &file : files) EXPECT_EQ(file.extension(), ".so");
}

TEST(ModuleRegistry, LoadsAPinnedModuleOnlyWhenItsDigestMatches) {
    const std::string good = fixture("test_good");
    const auto digest = sha256sum(good);
    ASSERT_EQ(digest.size(), 64U);
    auto pinned = discover_modules({}, {{good, digest}});
    EXPECT_TRUE(pinned.problems.empty());
    EXPECT_NE(pinned.registry.find("test.echo"), nullptr);

    auto other = digest;
    other[0] = other[0] == '0' ? '1' : '0';
    auto refused = discover_modules({}, {{good, other}});
    EXPECT_THAT(refused.problems,
                ElementsAre(AllOf(HasSubstr("test_good.so"),
                                  HasSubstr("does not match the sha256 pinned in the config"))));
    EXPECT_EQ(refused.registry.find("test.echo"), nullptr);
}
