#include <cstdlib>
#include <filesystem>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pullcred/descriptor_check.hpp>
#include <unistd.h>

#include "fixture_paths.hpp"
#include "modules/loader.hpp"

using pullcred::modules::load_module;
using testing::AllOf;
using testing::HasSubstr;
using testing::IsEmpty;

TEST(ModuleLoader, LoadsAGoodModuleAndReadsItsDescriptor) {
    auto module = load_module(fixture("test_good"));
    ASSERT_TRUE(module.ok()) << module.error().message;
    EXPECT_STREQ(module->descriptor->name, "test-good");
    EXPECT_STREQ(module->descriptor->version, "1.2.3");
    ASSERT_EQ(module->descriptor->factory_count, 2U);
    EXPECT_STREQ(module->descriptor->factories[0]->name, "test.fixed-source");
    EXPECT_EQ(module->descriptor->factories[1]->kind, PULLCRED_KIND_REGISTRY_BACKEND);
}

TEST(ModuleLoader, LoadsAModuleWrittenInC) {
    auto module = load_module(fixture("test_c_ok"));
    ASSERT_TRUE(module.ok()) << module.error().message;
    EXPECT_STREQ(module->descriptor->factories[0]->name, "test.c-backend");
}

TEST(ModuleLoader, RefusesAnotherAbiMajorNamingFileVersionsAndFix) {
    auto module = load_module(fixture("test_wrong_major"));
    ASSERT_FALSE(module.ok());
    const auto minor = std::to_string(PULLCRED_ABI_MINOR);
    EXPECT_THAT(module.error().message, AllOf(HasSubstr("test_wrong_major.so"), HasSubstr("ABI 2." + minor),
                                              HasSubstr("ABI 1." + minor), HasSubstr("rebuild")));
}

TEST(ModuleLoader, LoadsAnAbi10ModuleWhoseFactoryEndsBeforeDescribe) {
    auto module = load_module(fixture("test_abi_1_0"));
    ASSERT_TRUE(module.ok()) << module.error().message;
    EXPECT_EQ(module->descriptor->abi_minor, 0U);
    EXPECT_EQ(module->descriptor->factories[0]->struct_size, PULLCRED_FACTORY_SIZE_1_0);
    EXPECT_LT(PULLCRED_FACTORY_SIZE_1_0, sizeof(pullcred_factory));
}

TEST(ModuleLoader, RefusesAFactorySmallerThanAbi10) {
    pullcred_factory small{};
    small.struct_size = PULLCRED_FACTORY_SIZE_1_0 - 1;
    small.kind = PULLCRED_KIND_REGISTRY_BACKEND;
    small.name = "ok.name";
    const pullcred_factory *const table[] = {&small};
    pullcred_module module{sizeof(pullcred_module), PULLCRED_ABI_MAJOR, 0, "m", "1", 1, table};
    EXPECT_THAT(pullcred::modules::check_descriptor(&module, "x.so").error().message,
                AllOf(HasSubstr("struct_size"), HasSubstr("smaller than ABI 1.0's")));
}

TEST(ModuleLoader, RefusesAModuleThatNeedsTheNextMinorNamingTheFix) {
    auto module = load_module(fixture("test_newer_minor"));
    ASSERT_FALSE(module.ok());
    const auto next = "1." + std::to_string(PULLCRED_ABI_MINOR + 1);
    EXPECT_THAT(module.error().message,
                AllOf(HasSubstr("test_newer_minor.so"), HasSubstr("needs ABI " + next),
                      HasSubstr("upgrade pullcred"), HasSubstr("NEEDS_ABI")));
}

// A module built with the C++ wrapper against this SDK needs only 1.0: it
// loads on a host that advertises an older minor (as an ABI 1.1 node would).
TEST(ModuleLoader, AWrapperModuleBuiltAgainstThisSdkNeedsOnlyAbi10) {
    auto module = load_module(fixture("test_good"));
    ASSERT_TRUE(module.ok()) << module.error().message;
    EXPECT_EQ(module->descriptor->abi_minor, 0U);
    EXPECT_THAT(pullcred::sdk::descriptor_problems(module->descriptor, PULLCRED_ABI_MAJOR, 1), IsEmpty());
    EXPECT_THAT(pullcred::sdk::descriptor_problems(module->descriptor, PULLCRED_ABI_MAJOR, 0), IsEmpty());
}

TEST(ModuleLoader, AModuleThatDeclaresAMinorIsRefusedByOlderHostsOnly) {
    auto module = load_module(fixture("test_c_ok"));
    ASSERT_TRUE(module.ok()) << module.error().message;
    ASSERT_EQ(module->descriptor->abi_minor, static_cast<std::uint32_t>(PULLCRED_ABI_MINOR));
    EXPECT_THAT(
        pullcred::sdk::descriptor_problems(module->descriptor, PULLCRED_ABI_MAJOR, PULLCRED_ABI_MINOR),
        IsEmpty());
    const auto older = pullcred::sdk::descriptor_problems(module->descriptor, PULLCRED_ABI_MAJOR, 1);
    ASSERT_EQ(older.size(), 1U);
    EXPECT_THAT(older.front(), AllOf(HasSubstr("needs ABI 1." + std::to_string(PULLCRED_ABI_MINOR)),
                                     HasSubstr("this pullcred's ABI 1.1")));
}

TEST(ModuleLoader, RefusesAFileWithoutTheEntrySymbol) {
    auto module = load_module(fixture("test_no_entry"));
    ASSERT_FALSE(module.ok());
    EXPECT_THAT(module.error().message,
                AllOf(HasSubstr("test_no_entry.so"), HasSubstr("pullcred_module_entry"),
                      HasSubstr("PULLCRED_MODULE")));
}

TEST(ModuleLoader, RefusesAMissingFile) {
    auto module = load_module(fixture("does_not_exist"));
    ASSERT_FALSE(module.ok());
    EXPECT_THAT(module.error().message, HasSubstr("does_not_exist.so"));
}

TEST(ModuleLoader, RefusesAFileThatIsNotASharedObject) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("pullcred-notelf-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                          std::filesystem::perms::group_exec);
    const auto path = dir / "garbage.so";
    std::FILE *file = std::fopen(path.c_str(), "w");
    std::fputs("this is not an ELF file", file);
    std::fclose(file);
    std::filesystem::permissions(path,
                                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    auto module = load_module(path);
    std::filesystem::remove_all(dir);
    ASSERT_FALSE(module.ok());
    EXPECT_THAT(module.error().message,
                AllOf(HasSubstr("garbage.so"), HasSubstr("refused before loading, it is not an ELF file")));
}

TEST(ModuleLoader, RefusesASharedObjectThatIsNoModuleBeforeItsConstructorsRun) {
    const auto marker =
        std::filesystem::temp_directory_path() / ("pullcred-constructor-" + std::to_string(::getpid()));
    ::setenv("PULLCRED_TEST_CONSTRUCTOR_MARKER", marker.c_str(), 1);
    auto module = load_module(fixture("test_constructor_marker"));
    ::unsetenv("PULLCRED_TEST_CONSTRUCTOR_MARKER");
    ASSERT_FALSE(module.ok());
    EXPECT_THAT(module.error().message,
                AllOf(HasSubstr("test_constructor_marker.so: refused before loading, it has no symbol "
                                "pullcred_module_entry"),
                      HasSubstr("no pullcred module")));
    EXPECT_FALSE(std::filesystem::exists(marker)) << "its constructor ran";
}

TEST(ModuleLoader, DescriptorCheckRefusesNullAndBrokenFactories) {
    EXPECT_THAT(pullcred::modules::check_descriptor(nullptr, "x.so").error().message,
                HasSubstr("returned NULL"));

    pullcred_factory nameless{};
    nameless.struct_size = sizeof(pullcred_factory);
    nameless.kind = PULLCRED_KIND_REGISTRY_BACKEND;
    nameless.name = "Not A Name";
    const pullcred_factory *const table[] = {&nameless};
    pullcred_module module{
        sizeof(pullcred_module), PULLCRED_ABI_MAJOR, PULLCRED_ABI_MINOR, "m", "1", 1, table};
    EXPECT_THAT(pullcred::modules::check_descriptor(&module, "x.so").error().message,
                HasSubstr("invalid name"));

    nameless.name = "ok.name";
    EXPECT_THAT(pullcred::modules::check_descriptor(&module, "x.so").error().message,
                HasSubstr("lacks create"));
}
