// trust::check_opened_file with real files, owners and modes (CI runs as
// root; uid 65534 is nobody).
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <gmock/gmock.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/input_file.hpp"
#include "util/trust.hpp"
#include "util/unique_fd.hpp"

namespace fs = std::filesystem;
using pullcred::Status;
using pullcred::UniqueFd;
using testing::AllOf;
using testing::HasSubstr;
using testing::Not;

namespace {

constexpr uid_t kNobody = 65534;

class RootTrust : public testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root: files of other owners";
        std::string pattern = (fs::temp_directory_path() / "pullcred-trust-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        base_ = pattern;
        mode(base_, 0755);
    }
    void TearDown() override {
        if (!base_.empty()) fs::remove_all(base_);
    }

    static void mode(const fs::path &path, mode_t bits) { ASSERT_EQ(::chmod(path.c_str(), bits), 0) << path; }
    static void owner(const fs::path &path, uid_t uid) {
        ASSERT_EQ(::lchown(path.c_str(), uid, uid), 0) << path;
    }
    static fs::path directory(const fs::path &path, mode_t bits = 0755) {
        fs::create_directories(path);
        mode(path, bits);
        return path;
    }
    static fs::path file(const fs::path &path, mode_t bits = 0644) {
        std::ofstream(path) << "apiVersion: pullcred/v1\n";
        mode(path, bits);
        return path;
    }

    static Status check(const fs::path &path) {
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
        EXPECT_GE(fd.get(), 0) << path;
        return pullcred::trust::check_opened_file(fd.get(), path, "config");
    }

    fs::path base_;
};

TEST_F(RootTrust, AcceptsARootOwnedFileInRootOwnedDirectories) {
    const auto config = file(directory(base_ / "etc" / "pullcred") / "config.yaml");
    const auto status = check(config);
    EXPECT_TRUE(status.ok()) << status.error().message;
}

TEST_F(RootTrust, RefusesAFileOwnedByNobodyWithOneLineNamingOwnerModeAndFix) {
    const auto config = file(base_ / "config.yaml");
    owner(config, kNobody);
    const auto status = check(config);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().message,
              "config " + config.string() +
                  ": owned by uid 65534 with mode 0644, and pullcred runs as root: only root may be able to "
                  "change it; fix: chown root:root " +
                  config.string());
}

TEST_F(RootTrust, RefusesAWorldWritableFileOwnedByRoot) {
    const auto config = file(base_ / "config.yaml", 0666);
    const auto status = check(config);
    ASSERT_FALSE(status.ok());
    EXPECT_THAT(status.error().message, AllOf(HasSubstr("owned by uid 0 with mode 0666"),
                                              HasSubstr("fix: chmod go-w " + config.string()),
                                              Not(HasSubstr("chown")), Not(HasSubstr("\n"))));
}

TEST_F(RootTrust, RefusesAGroupWritableNobodyFileWithBothFixes) {
    const auto config = file(base_ / "config.yaml", 0664);
    owner(config, kNobody);
    const auto status = check(config);
    ASSERT_FALSE(status.ok());
    EXPECT_THAT(status.error().message,
                HasSubstr("fix: chown root:root " + config.string() + " && chmod go-w " + config.string()));
}

TEST_F(RootTrust, RefusesADirectoryOwnedByNobodyOnTheWay) {
    const auto owned = directory(base_ / "nobody");
    const auto config = file(directory(owned / "inner") / "config.yaml");
    owner(owned, kNobody);
    const auto status = check(config);
    ASSERT_FALSE(status.ok());
    EXPECT_THAT(status.error().message,
                AllOf(HasSubstr("config " + config.string() + ": directory " + owned.string() +
                                " is owned by uid 65534 with mode 0755"),
                      HasSubstr("fix: chown root:root " + owned.string())));
}

TEST_F(RootTrust, RefusesAGroupWritableDirectoryWithoutStickyBit) {
    const auto shared = directory(base_ / "shared", 0775);
    const auto config = file(shared / "config.yaml");
    const auto status = check(config);
    ASSERT_FALSE(status.ok());
    EXPECT_THAT(status.error().message,
                AllOf(HasSubstr("directory " + shared.string() + " is owned by uid 0 with mode 0775"),
                      HasSubstr("fix: chmod go-w " + shared.string())));
}

TEST_F(RootTrust, AcceptsARootOwnedStickyDirectoryAsParent) {
    const auto sticky = directory(base_ / "tmp", 01777);
    const auto config = file(sticky / "config.yaml");
    const auto status = check(config);
    EXPECT_TRUE(status.ok()) << status.error().message;
}

TEST_F(RootTrust, AcceptsARootFileDirectlyInTmp) {
    std::string pattern = "/tmp/pullcred-trust-file-XXXXXX";
    const int fd = ::mkstemp(pattern.data());
    ASSERT_GE(fd, 0);
    ::close(fd);
    const fs::path config = pattern;
    mode(config, 0644);
    const auto status = check(config);
    fs::remove(config);
    EXPECT_TRUE(status.ok()) << status.error().message;
}

TEST_F(RootTrust, RefusesAStickyDirectoryOwnedByNobody) {
    const auto sticky = directory(base_ / "tmp", 01777);
    owner(sticky, kNobody);
    const auto config = file(sticky / "config.yaml");
    const auto status = check(config);
    ASSERT_FALSE(status.ok());
    EXPECT_THAT(status.error().message, HasSubstr("directory " + sticky.string() + " is owned by uid 65534"));
}

TEST_F(RootTrust, RefusesASymlinkInANobodyDirectoryPointingAtARootFile) {
    const auto real = file(directory(base_ / "etc") / "config.yaml");
    const auto links = directory(base_ / "links");
    fs::create_symlink(real, links / "config.yaml");
    owner(links, kNobody);
    const auto status = check(links / "config.yaml");
    ASSERT_FALSE(status.ok());
    EXPECT_THAT(status.error().message, HasSubstr("directory " + links.string() + " is owned by uid 65534"));
}

TEST_F(RootTrust, RefusesASymlinkOwnedByNobodyInAStickyDirectory) {
    const auto real = file(directory(base_ / "etc") / "config.yaml");
    const auto sticky = directory(base_ / "tmp", 01777);
    fs::create_symlink(real, sticky / "config.yaml");
    owner(sticky / "config.yaml", kNobody);
    const auto status = check(sticky / "config.yaml");
    ASSERT_FALSE(status.ok());
    EXPECT_THAT(status.error().message,
                AllOf(HasSubstr("symlink " + (sticky / "config.yaml").string() + " is owned by uid 65534"),
                      HasSubstr("fix: chown -h root:root " + (sticky / "config.yaml").string())));
}

TEST_F(RootTrust, ChecksTheDirectoriesARelativeSymlinkLeadsThrough) {
    const auto owned = directory(base_ / "elsewhere");
    file(owned / "config.yaml");
    const auto etc = directory(base_ / "etc");
    fs::create_symlink("../elsewhere/config.yaml", etc / "config.yaml");
    EXPECT_TRUE(check(etc / "config.yaml").ok());

    owner(owned, kNobody);
    const auto status = check(etc / "config.yaml");
    ASSERT_FALSE(status.ok());
    EXPECT_THAT(status.error().message, HasSubstr("directory " + owned.string() + " is owned by uid 65534"));
}

TEST_F(RootTrust, AcceptsAKubeletStyleVolume) {
    // ConfigMap/Secret volumes: config.yaml -> ..data/config.yaml, ..data -> ..2026_x
    const auto volume = directory(base_ / "volume");
    file(directory(volume / "..2026_x", 0755) / "config.yaml");
    fs::create_symlink("..2026_x", volume / "..data");
    fs::create_symlink("..data/config.yaml", volume / "config.yaml");
    const auto status = check(volume / "config.yaml");
    EXPECT_TRUE(status.ok()) << status.error().message;
}

TEST_F(RootTrust, RefusesWhenThePathNoLongerLeadsToTheOpenedFile) {
    const auto config = file(base_ / "config.yaml");
    UniqueFd fd(::open(config.c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_GE(fd.get(), 0);
    const auto other = file(base_ / "other.yaml");
    fs::rename(other, config);
    const auto status = pullcred::trust::check_opened_file(fd.get(), config, "config");
    ASSERT_FALSE(status.ok());
    EXPECT_THAT(status.error().message,
                AllOf(HasSubstr("config " + config.string()), HasSubstr("no longer leads to the file")));
}

TEST_F(RootTrust, ReadInputFileChecksBeforeItReads) {
    const auto config = file(base_ / "config.yaml", 0666);
    auto read = pullcred::read_input_file(config, "config");
    ASSERT_FALSE(read.ok());
    EXPECT_THAT(read.error().message, HasSubstr("mode 0666"));
    mode(config, 0644);
    read = pullcred::read_input_file(config, "config");
    ASSERT_TRUE(read.ok()) << read.error().message;
    EXPECT_EQ((*read)->content, "apiVersion: pullcred/v1\n");
}

TEST_F(RootTrust, AnotherUserTrustsTheirOwnFilesAsToday) {
    const auto owned = directory(base_ / "home", 0777);
    const auto config = file(owned / "config.yaml", 0666);
    owner(owned, kNobody);
    owner(config, kNobody);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        if (::setgroups(0, nullptr) != 0 || ::setresgid(kNobody, kNobody, kNobody) != 0 ||
            ::setresuid(kNobody, kNobody, kNobody) != 0)
            ::_exit(2);
        UniqueFd fd(::open(config.c_str(), O_RDONLY | O_CLOEXEC));
        if (fd.get() < 0) ::_exit(3);
        ::_exit(pullcred::trust::check_opened_file(fd.get(), config, "config").ok() ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
}

} // namespace
