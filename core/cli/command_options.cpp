#include "cli/command_options.hpp"

#include <iostream>
#include <string>

namespace pullcred::cli {

ParsedCommand parse_command(const CommandLine &command, const po::options_description &own,
                            const po::positional_options_description &positional) {
    po::options_description all;
    all.add(own);
    po::options_description globals;
    globals.add_options()("help,h", "show help")("config", po::value<std::string>())(
        "log-level", po::value<std::string>())("log-format", po::value<std::string>());
    all.add(globals);
    ParsedCommand parsed;
    po::store(po::command_line_parser(command.args)
                  .options(all)
                  .positional(positional)
                  .style(po::command_line_style::unix_style ^ po::command_line_style::allow_guessing)
                  .run(),
              parsed.values);
    po::notify(parsed.values);
    parsed.help = parsed.values.count("help") != 0U;
    return parsed;
}

void print_command_help(std::string_view usage, const po::options_description &own,
                        std::string_view example) {
    std::cout << "usage: " << usage << "\n\n";
    if (!own.options().empty()) std::cout << own << "\n";
    std::cout << "Example:\n  " << example << "\n";
}

} // namespace pullcred::cli
