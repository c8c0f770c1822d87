#include <filesystem>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture_paths.hpp"
#include "modules/file_trust.hpp"
#include "modules/loader.hpp"
#include "util/files.hpp"
#include "util/sha256.hpp"

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

TEST_F(TrustTest, AFifoInTheModulesPlaceIsRefusedWithoutWaiting) {
    const auto fifo = dir_ / "fifo.so";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    auto status = check_trusted_file(fifo);
    ASSERT_FALSE(status.ok());
    EXPECT_THAT(status.error().message, HasSubstr("not a regular file"));
}

TEST_F(TrustTest, WhatIsCheckedIsWhatLoadsEvenWhenThePathIsSwapped) {
    const auto original = pullcred::read_file_capped(file_, "module", 1U << 28);
    ASSERT_TRUE(original.ok());
    auto opened = pullcred::modules::TrustedFile::open(file_);
    ASSERT_TRUE(opened.ok()) << opened.error().message;

    const auto swapped = dir_ / "swapped.so";
    fs::copy_file(fixture("test_faulty"), swapped);
    fs::rename(swapped, file_); // after the check, another module takes the path

    auto digest = opened->sha256_hex();
    ASSERT_TRUE(digest.ok()) << digest.error().message;
    EXPECT_EQ(*digest, pullcred::sha256_hex(*original));
    EXPECT_EQ(fs::read_symlink(opened->descriptor_path()).filename().string(), "module.so (deleted)");
}

TEST_F(TrustTest, APinnedSha256IsCheckedOnTheOpenedFile) {
    auto wrong = pullcred::modules::load_module(file_, std::string(64, '0'));
    ASSERT_FALSE(wrong.ok());
    EXPECT_THAT(wrong.error().message, HasSubstr("does not match the sha256 pinned"));
    const auto content = pullcred::read_file_capped(file_, "module", 1U << 28);
    ASSERT_TRUE(content.ok());
    auto right = pullcred::modules::load_module(file_, pullcred::sha256_hex(*content));
    ASSERT_TRUE(right.ok()) << right.error().message;
    EXPECT_EQ(right->path, file_);
}
