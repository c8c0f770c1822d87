// execvp's program search, against real files on a PATH the test sets.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

#include "command/program_search.hpp"
#include "pullcred_test/scoped_env.hpp"

namespace {

namespace fs = std::filesystem;
using pullcred::command::exec_candidates;
using pullcred::command::resolve_program;

class ProgramSearch : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() / ("pullcred-program-search-" + std::to_string(::getpid()));
        fs::remove_all(root_);
        fs::create_directories(root_ / "a");
        fs::create_directories(root_ / "b");
    }
    void TearDown() override { fs::remove_all(root_); }

    std::string file(const std::string &relative, mode_t mode) {
        const auto path = root_ / relative;
        std::ofstream(path) << "#!/bin/sh\n";
        ::chmod(path.c_str(), mode);
        return path.string();
    }

    fs::path root_;
    pullcred_test::ScopedEnv env_;
};

TEST_F(ProgramSearch, CandidatesFollowPathInOrderAndAnEmptyEntryIsTheCurrentDirectory) {
    env_.set("PATH", (root_ / "a").string() + "::" + (root_ / "b").string() + "/");
    EXPECT_EQ(exec_candidates("tool"), (std::vector<std::string>{(root_ / "a" / "tool").string(), "./tool",
                                                                 (root_ / "b" / "tool").string()}));
    EXPECT_EQ(exec_candidates("/opt/x/tool"), std::vector<std::string>{"/opt/x/tool"});
    env_.unset("PATH");
    EXPECT_EQ(exec_candidates("tool"), (std::vector<std::string>{"/bin/tool", "/usr/bin/tool"}));
}

TEST_F(ProgramSearch, TheFirstExecutableWinsElseTheFirstThatExists) {
    env_.set("PATH", (root_ / "a").string() + ":" + (root_ / "b").string());
    const auto not_executable = file("a/tool", 0644);
    EXPECT_EQ(resolve_program("tool"), not_executable) << "only one exists: execve will refuse it";
    const auto executable = file("b/tool", 0755);
    EXPECT_EQ(resolve_program("tool"), executable);
    EXPECT_EQ(resolve_program("absent-tool"), "");
    EXPECT_EQ(resolve_program("/no/such/dir/tool"), "/no/such/dir/tool") << "a path is taken as given";
}

} // namespace
