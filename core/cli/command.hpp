// What every subcommand gets: its own arguments and the global options.
#pragma once

#include <string>
#include <vector>

namespace pullcred::cli {

struct GlobalOptions {
    std::string config; // --config, empty = default location
};

struct CommandLine {
    std::string program;           // argv[0]
    std::vector<std::string> args; // after the subcommand name
    GlobalOptions global;
};

int run_get_credentials(const CommandLine &command);
int run_explain(const CommandLine &command);
int run_check_config(const CommandLine &command);
int run_modules(const CommandLine &command);
int run_credential_process(const CommandLine &command);
int run_docker_credential(const CommandLine &command);
int run_signing_helper(const CommandLine &command);
int print_version();

// Prints `message` (redacted) on stderr and returns the failure exit code.
int fail(const std::string &message);

} // namespace pullcred::cli
