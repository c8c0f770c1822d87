#include "cache/inputs.hpp"

#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <thread>

#include "cache_dir.hpp"

namespace pullcred::cache {
namespace {

class InputsTest : public CacheDirTest {
protected:
    std::filesystem::path write(const std::string &name, const std::string &content) {
        std::filesystem::create_directories(root_);
        const auto path = root_ / name;
        std::ofstream(path, std::ios::trunc) << content;
        return path;
    }
    // Records the file as read_input_file would hand it to the host.
    void record(Inputs &inputs, const std::filesystem::path &path) {
        auto read = read_input_file(path, "test");
        ASSERT_TRUE(read.ok()) << read.error().message;
        if (*read)
            inputs.add_file(path, (*read)->identity, (*read)->content);
        else
            inputs.add_file(path, std::nullopt, std::nullopt);
    }
};

TEST_F(InputsTest, UnchangedFilesAndVariablesAreNoChange) {
    ::setenv("PULLCRED_TEST_INPUT", "tenant-a", 1);
    Inputs inputs;
    record(inputs, write("key", "AKIA-A"));
    inputs.add_env("PULLCRED_TEST_INPUT", std::string("tenant-a"));
    EXPECT_EQ(inputs.first_change(), std::nullopt);
}

TEST_F(InputsTest, AnotherValueOfAVariableIsAChange) {
    ::setenv("PULLCRED_TEST_INPUT", "tenant-b", 1);
    Inputs inputs;
    inputs.add_env("PULLCRED_TEST_INPUT", std::string("tenant-a"));
    EXPECT_EQ(inputs.first_change(), "environment variable PULLCRED_TEST_INPUT changed");
    ::unsetenv("PULLCRED_TEST_INPUT");
    Inputs unset;
    unset.add_env("PULLCRED_TEST_INPUT", std::nullopt);
    EXPECT_EQ(unset.first_change(), std::nullopt);
    ::setenv("PULLCRED_TEST_INPUT", "", 1);
    EXPECT_EQ(unset.first_change(), "environment variable PULLCRED_TEST_INPUT changed");
    ::unsetenv("PULLCRED_TEST_INPUT");
}

TEST_F(InputsTest, ContentRewrittenInPlaceWithinTheSameTickIsAChange) {
    const auto path = write("key", "AKIA-A");
    Inputs inputs;
    record(inputs, path);
    std::ofstream(path, std::ios::trunc) << "AKIA-B"; // same size, same second
    EXPECT_EQ(inputs.first_change(), "file " + path.string() + " changed");
}

TEST_F(InputsTest, ASymlinkSwappedToNewContentIsAChangeAndToTheSameContentIsNot) {
    // kubelet's Secret volumes: key -> ..data/key, ..data -> ..2026_01 (swapped atomically)
    std::filesystem::create_directories(root_ / "..2026_01");
    std::filesystem::create_directories(root_ / "..2026_02");
    std::filesystem::create_directories(root_ / "..2026_03");
    std::ofstream(root_ / "..2026_01/key") << "AKIA-A";
    std::ofstream(root_ / "..2026_02/key") << "AKIA-A";
    std::ofstream(root_ / "..2026_03/key") << "AKIA-B";
    std::filesystem::create_directory_symlink("..2026_01", root_ / "..data");
    std::filesystem::create_symlink("..data/key", root_ / "key");
    Inputs inputs;
    record(inputs, root_ / "key");
    const auto swap = [&](const char *target) {
        std::filesystem::create_directory_symlink(target, root_ / "..data_tmp");
        std::filesystem::rename(root_ / "..data_tmp", root_ / "..data");
    };
    swap("..2026_02");
    EXPECT_EQ(inputs.first_change(), std::nullopt);
    swap("..2026_03");
    EXPECT_EQ(inputs.first_change(), "file " + (root_ / "key").string() + " changed");
}

TEST_F(InputsTest, AFileThatAppearsOrDisappearsIsAChange) {
    Inputs absent;
    record(absent, root_ / "credentials");
    EXPECT_EQ(absent.first_change(), std::nullopt);
    write("credentials", "[default]");
    EXPECT_EQ(absent.first_change(), "file " + (root_ / "credentials").string() + " appeared");
    Inputs present;
    record(present, root_ / "credentials");
    std::filesystem::remove(root_ / "credentials");
    EXPECT_EQ(present.first_change(), "file " + (root_ / "credentials").string() + " disappeared");
}

TEST_F(InputsTest, AProgramIsJudgedByItsIdentity) {
    const auto path = write("helper", "#!/bin/sh\n");
    auto read = read_input_file(path, "program", InputUse::program);
    ASSERT_TRUE(read.ok() && *read);
    Inputs inputs;
    inputs.add_file(path, (*read)->identity, std::nullopt);
    EXPECT_EQ(inputs.first_change(), std::nullopt);
    std::filesystem::remove(path);
    write("helper", "#!/bin/sh\necho other\n");
    EXPECT_EQ(inputs.first_change(), "file " + path.string() + " changed");
}

TEST_F(InputsTest, JsonRoundTripKeepsEveryInputAndMalformedJsonIsRefused) {
    ::setenv("PULLCRED_TEST_INPUT", "tenant-a", 1);
    Inputs inputs;
    record(inputs, write("key", "AKIA-A"));
    record(inputs, root_ / "missing");
    inputs.add_env("PULLCRED_TEST_INPUT", std::string("tenant-a"));
    auto back = Inputs::from_json(inputs.to_json());
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->to_json(), inputs.to_json());
    EXPECT_EQ(back->first_change(), std::nullopt);
    ::setenv("PULLCRED_TEST_INPUT", "tenant-b", 1);
    EXPECT_NE(back->first_change(), std::nullopt);
    ::unsetenv("PULLCRED_TEST_INPUT");
    EXPECT_FALSE(Inputs::from_json(nlohmann::json::object()).has_value());
    EXPECT_FALSE(
        Inputs::from_json({{"files", {{{"path", 1}}}}, {"env", nlohmann::json::array()}}).has_value());
    EXPECT_FALSE(
        Inputs::from_json({{"files", nlohmann::json::array()}, {"env", {{{"name", "X"}, {"sha256", 3}}}}})
            .has_value());
}

TEST_F(InputsTest, TheRecordHoldsNoSecret) {
    ::setenv("PULLCRED_TEST_SECRET", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", 1);
    Inputs inputs;
    record(inputs, write("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
    inputs.add_env("PULLCRED_TEST_SECRET", std::string("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
    EXPECT_EQ(inputs.to_json().dump().find("wJalrXUtnFEMI"), std::string::npos);
    ::unsetenv("PULLCRED_TEST_SECRET");
}

} // namespace
} // namespace pullcred::cache
