// The global options (--config, --log-level, --log-format, --help,
// --version) and the command table of one executable: pullcred-host
// (cli/app.cpp) and pullcred-node (node/main.cpp) parse them alike.
#pragma once

#include <map>
#include <string_view>

#include "cli/command.hpp"

namespace pullcred::cli {

using Runner = int (*)(const CommandLine &);

struct Program {
    std::string_view usage;
    std::map<std::string_view, Runner> commands;
    // Commands another executable of the private lib dir runs: it is exec'd
    // with the same argv (`node` -> pullcred-node).
    std::map<std::string_view, std::string_view> handed_on;
    int (*version)() = nullptr;
};

// Parses the command line and runs one command; returns the exit code.
int run_program(int argc, char **argv, const Program &program);

} // namespace pullcred::cli
