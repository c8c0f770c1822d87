#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <pullcred/module.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture_paths.hpp"
#include "modules/module_index.hpp"

namespace {

using namespace pullcred;
using testing::HasSubstr;

constexpr std::int64_t kSecond = 1'000'000'000;

// A module compiled into the executable, as the host's built-in sources are.
class BuiltinSource final : public sdk::CredentialSource {
public:
    BuiltinSource(sdk::Host /*host*/, const sdk::Config & /*config*/) {}
    sdk::Result<sdk::Credentials> get_credentials(const sdk::CredentialsRequest & /*request*/) override {
        return sdk::Credentials{};
    }
};

const pullcred_module *builtin() {
    static const pullcred_factory *const factories[] = {
        sdk::credential_source<BuiltinSource>("test.builtin")};
    static const pullcred_module module{
        sizeof(pullcred_module), PULLCRED_ABI_MAJOR, PULLCRED_ABI_MINOR, "builtin", "1", 1, factories};
    return &module;
}

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Copies of the fixtures in a module directory of their own (paths no other
// test loads), and a private cache directory for the index.
class ModuleIndex : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = std::filesystem::temp_directory_path() /
                ("pullcred-module-index-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(root_);
        std::filesystem::create_directories(root_ / "modules");
        ::chmod(root_.c_str(), 0755);
        ::chmod((root_ / "modules").c_str(), 0755);
        for (const auto *name : {"test_good", "test_c_ok", "test_wrong_major"}) {
            const auto copy = root_ / "modules" / (std::string(name) + ".so");
            std::filesystem::copy_file(fixture(name), copy);
            ::chmod(copy.c_str(), 0755);
        }
        auto store = cache::Store::open(root_ / "cache");
        ASSERT_TRUE(store.ok());
        store_.emplace(std::move(*store));
    }
    void TearDown() override { std::filesystem::remove_all(root_); }

    modules::Discovery discover(std::int64_t now = now_ns() + 3 * kSecond) {
        return modules::discover_modules_on_demand(root_ / "modules", {}, *store_, now, {builtin()});
    }

    std::filesystem::path root_;
    std::optional<cache::Store> store_;
};

TEST_F(ModuleIndex, AnIndexedModuleLoadsOnlyWhenOneOfItsFactoriesIsFound) {
    const auto first = discover();
    EXPECT_EQ(first.registry.modules().size(), 3U); // built-in, test_c_ok, test_good
    ASSERT_EQ(first.problems.size(), 1U);

    const auto second = discover();
    EXPECT_EQ(second.registry.modules().size(), 1U); // the built-in module only
    EXPECT_NE(second.registry.find("test.builtin"), nullptr);
    ASSERT_EQ(second.problems.size(), 1U);
    EXPECT_EQ(second.problems[0], first.problems[0]); // the broken module, reported from the index
    EXPECT_THAT(second.problems[0], HasSubstr("test_wrong_major.so"));

    const auto *echo = second.registry.find("test.echo");
    ASSERT_NE(echo, nullptr);
    EXPECT_EQ(echo->module_path, root_ / "modules" / "test_good.so");
    EXPECT_EQ(second.registry.modules().size(), 2U);
    EXPECT_EQ(second.registry.find("test.nothing"), nullptr);
    EXPECT_NE(second.registry.find("test.c-backend"), nullptr);
    EXPECT_EQ(second.registry.modules().size(), 3U);
}

TEST_F(ModuleIndex, AnEntryForAChangedFileIsNotTrusted) {
    (void)discover();
    const auto changed = root_ / "modules" / "test_good.so";
    ASSERT_EQ(::chmod(changed.c_str(), 0750), 0); // a new ctime, nothing else
    const auto later = discover(now_ns() + 3 * kSecond);
    ASSERT_EQ(later.registry.modules().size(), 2U); // loaded again to learn its factories
    EXPECT_EQ(later.registry.modules()[1].path, changed);
    EXPECT_EQ(discover(now_ns() + 6 * kSecond).registry.modules().size(), 1U); // indexed again
}

TEST_F(ModuleIndex, AnEntryMadeWithinTwoSecondsOfAChangeIsNotTrusted) {
    (void)discover(now_ns()); // the copies are brand new: racy
    EXPECT_EQ(discover().registry.modules().size(), 3U);
    EXPECT_EQ(discover().registry.modules().size(), 1U);
}

TEST_F(ModuleIndex, AModuleWhoseFactoriesDifferFromItsEntryIsRefused) {
    (void)discover();
    // Another module put in test_good.so's place with the very same identity
    // cannot happen; an index that lies about it stands in for it.
    auto index = store_->read(modules::module_index_key(root_ / "modules", {}));
    ASSERT_TRUE(index.has_value());
    for (auto &file : index->data["files"])
        if (file["path"] == (root_ / "modules" / "test_good.so").string())
            file["factories"] = nlohmann::json::array({"test.claimed"});
    ASSERT_TRUE(store_->write(modules::module_index_key(root_ / "modules", {}), *index).ok());
    const auto lied = discover();
    EXPECT_EQ(lied.registry.find("test.claimed"), nullptr);
    EXPECT_EQ(lied.registry.find("test.echo"), nullptr);
}

TEST_F(ModuleIndex, DuplicateFactoryNamesAreRefusedAsWhenEverythingLoads) {
    const auto duplicate = root_ / "modules" / "test_zz_duplicate.so";
    std::filesystem::copy_file(fixture("test_duplicate_of_good"), duplicate);
    ::chmod(duplicate.c_str(), 0755);
    (void)discover();
    const auto indexed = discover();
    EXPECT_THAT(indexed.problems, testing::Contains(HasSubstr("test_zz_duplicate.so")));
    ASSERT_NE(indexed.registry.find("test.echo"), nullptr);
    EXPECT_EQ(indexed.registry.find("test.echo")->module_path, root_ / "modules" / "test_good.so");
}

} // namespace
