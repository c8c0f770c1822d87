// Parsing a command's own arguments with Boost.Program_options; the global
// options may also follow the command and are accepted (and ignored) here.
#pragma once

#include <boost/program_options.hpp>
#include <iosfwd>
#include <string_view>

#include "cli/command.hpp"

namespace pullcred::cli {

namespace po = boost::program_options;

struct ParsedCommand {
    po::variables_map values;
    bool help = false;
};

ParsedCommand parse_command(const CommandLine &command, const po::options_description &own,
                            const po::positional_options_description &positional = {});

// "usage" line, the options, and an example, on stdout.
void print_command_help(std::string_view usage, const po::options_description &own, std::string_view example);

} // namespace pullcred::cli
