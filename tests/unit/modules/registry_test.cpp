#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fixture_paths.hpp"
#include "modules/registry.hpp"

using pullcred::modules::discover_modules;
using testing::AllOf;
using testing::HasSubstr;

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
