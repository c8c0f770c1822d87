#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node/host_files.hpp"

namespace fs = std::filesystem;
using namespace pullcred::node;

TEST(HostFiles, WritesOnlyWhenContentOrModeDiffers) {
    const auto dir = fs::temp_directory_path() / ("pullcred-node-files-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    std::vector<fs::path> created;
    ASSERT_TRUE(*make_dirs(dir / "a/b", 0700, &created));
    EXPECT_EQ(created.size(), 3U); // dir, a, a/b
    const auto file = dir / "a/b/f";
    EXPECT_TRUE(*write_if_changed(file, "one", 0600));
    EXPECT_FALSE(*write_if_changed(file, "one", 0600));
    EXPECT_TRUE(*write_if_changed(file, "one", 0644)); // mode fixed
    EXPECT_TRUE(*write_if_changed(file, "two", 0644));
    struct stat info {};
    ASSERT_EQ(::stat(file.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0644U);
    EXPECT_FALSE(*copy_if_changed(file, file, 0644));
    EXPECT_TRUE(*copy_if_changed(file, dir / "copy", 0755));
    EXPECT_FALSE(*copy_if_changed(file, dir / "copy", 0755));
    EXPECT_TRUE(*remove_file(dir / "copy"));
    EXPECT_FALSE(*remove_file(dir / "copy"));
    fs::remove_all(dir);
}
