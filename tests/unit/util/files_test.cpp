#include <filesystem>
#include <fstream>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include "util/files.hpp"

namespace fs = std::filesystem;
using pullcred::read_file_capped;
using testing::HasSubstr;

TEST(ReadFileCapped, ReadsAFileAndNamesWhatAndWhereOnErrors) {
    const auto dir = fs::temp_directory_path() / ("pullcred-files-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "ok.txt") << "hello";
    EXPECT_EQ(*read_file_capped(dir / "ok.txt", "config"), "hello");

    auto missing = read_file_capped(dir / "missing.txt", "config");
    EXPECT_EQ(missing.error().message, "config " + (dir / "missing.txt").string() + ": no such file");

    auto directory = read_file_capped(dir, "config");
    EXPECT_THAT(directory.error().message, HasSubstr("is a directory"));

    std::ofstream(dir / "big.txt") << std::string(2000, 'x');
    EXPECT_THAT(read_file_capped(dir / "big.txt", "pem", 1000).error().message,
                HasSubstr("larger than 1000"));

    ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
    EXPECT_THAT(read_file_capped(dir / "fifo", "config").error().message, HasSubstr("not a regular file"));
    fs::remove_all(dir);
}

TEST(ReadStreamCapped, StopsAtTheCap) {
    std::istringstream small("abc");
    EXPECT_EQ(*pullcred::read_stream_capped(small, "stdin", 10), "abc");
    std::istringstream large(std::string(100000, 'y'));
    EXPECT_THAT(pullcred::read_stream_capped(large, "stdin", 1000).error().message,
                HasSubstr("larger than 1000"));
}
