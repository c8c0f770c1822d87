#include <filesystem>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "fixture_paths.hpp"
#include "modules/file_trust.hpp"

namespace fs = std::filesystem;
using pullcred::modules::check_trusted_file;
using testing::AllOf;
using testing::HasSubstr;

namespace {
class TrustTest : public testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("pullcred-trust-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
        fs::permissions(dir_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
        file_ = dir_ / "module.so";
        fs::copy_file(fixture("test_good"), file_, fs::copy_options::overwrite_existing);
        fs::permissions(file_, fs::perms::owner_read | fs::perms::owner_write | fs::perms::owner_exec);
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
    fs::path file_;
};
} // namespace

TEST_F(TrustTest, AcceptsAFileOwnedByUsAndWritableOnlyByUs) {
    EXPECT_TRUE(check_trusted_file(file_).ok());
}

TEST_F(TrustTest, RefusesAGroupWritableFile) {
    fs::permissions(file_, fs::perms::group_write, fs::perm_options::add);
    auto status = check_trusted_file(file_);
    ASSERT_FALSE(status.ok());
    EXPECT_THAT(
        status.error().message,
        AllOf(HasSubstr(file_.string()), HasSubstr("writable by group or others"), HasSubstr("chmod go-w")));
}

TEST_F(TrustTest, RefusesAWorldWritableDirectory) {
    fs::permissions(dir_, fs::perms::others_write, fs::perm_options::add);
    auto status = check_trusted_file(file_);
    ASSERT_FALSE(status.ok());
    EXPECT_THAT(status.error().message, AllOf(HasSubstr("directory"), HasSubstr("chmod go-w")));
}

TEST_F(TrustTest, RefusesAFileOwnedByAnotherUser) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown";
    ASSERT_EQ(::chown(file_.c_str(), 12345, 12345), 0);
    auto status = check_trusted_file(file_);
    ASSERT_FALSE(status.ok());
    EXPECT_THAT(status.error().message, AllOf(HasSubstr("uid 12345"), HasSubstr("chown root")));
}

TEST_F(TrustTest, ChecksTheTargetOfASymlink) {
    const auto other = fs::temp_directory_path() / ("pullcred-trust-other-" + std::to_string(::getpid()));
    fs::create_directories(other);
    fs::permissions(other, fs::perms::all);
    fs::copy_file(file_, other / "real.so", fs::copy_options::overwrite_existing);
    fs::create_symlink(other / "real.so", dir_ / "link.so");
    auto status = check_trusted_file(dir_ / "link.so");
    fs::remove_all(other);
    ASSERT_FALSE(status.ok());
    EXPECT_THAT(status.error().message, HasSubstr("writable by group or others"));
}
