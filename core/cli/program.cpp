#include "cli/program.hpp"

#include <algorithm>
#include <boost/program_options.hpp>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>
#include <unistd.h>
#include <vector>

#include "aws/sources/secrets.hpp"
#include "log/logger.hpp"
#include "log/redact.hpp"
#include "util/install_prefix.hpp"

namespace po = boost::program_options;

namespace pullcred::cli {

namespace {

int run_private_executable(std::string_view name, char **argv) {
    const auto tool = host_executable().parent_path() / name;
    ::execv(tool.c_str(), argv);
    return fail("cannot run " + tool.string() + ": " + std::strerror(errno) + "; reinstall pullcred");
}

int parse_and_run(int argc, char **argv, const Program &program) {
    std::string config;
    std::string log_level = "info";
    std::string log_format = "text";
    std::string command_name;
    std::vector<std::string> rest;

    po::options_description global("Global options");
    global.add_options()("help,h", "show help")("version", "show the version")("config", po::value(&config),
                                                                               "config file")(
        "log-level", po::value(&log_level), "log level")("log-format", po::value(&log_format), "log format")(
        "command", po::value(&command_name), "command")("args", po::value(&rest), "command arguments");
    po::positional_options_description positional;
    positional.add("command", 1).add("args", -1);

    po::variables_map values;
    po::store(po::command_line_parser(argc, argv)
                  .options(global)
                  .positional(positional)
                  .allow_unregistered()
                  .style(po::command_line_style::unix_style ^ po::command_line_style::allow_guessing)
                  .run(),
              values);
    po::notify(values);

    log::Settings settings;
    if (!log::parse_level(log_level, settings.level))
        return fail("--log-level: unknown level \"" + log_level + "\" (debug, info, warn, error)");
    if (!log::parse_format(log_format, settings.format))
        return fail("--log-format: unknown format \"" + log_format + "\" (text, json)");
    log::configure(settings);
    aws::sources::report_secrets_to(&log::register_secret);

    if (values.count("version") != 0U && command_name.empty() && program.version != nullptr)
        return program.version();
    if (command_name.empty()) {
        std::cout << program.usage;
        return values.count("help") != 0U ? 0 : 2;
    }
    if (const auto tool = program.handed_on.find(command_name); tool != program.handed_on.end())
        return run_private_executable(tool->second, argv);
    const auto found = program.commands.find(command_name);
    if (found == program.commands.end())
        return fail("unknown command \"" + command_name + "\"; run `pullcred --help` for the list");

    CommandLine command{argv[0], {}, {config}};
    // Everything after the command name belongs to the command, including
    // options the global parser did not know.
    int i = 1;
    for (; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == command_name) break;
        if (arg == "--config" || arg == "--log-level" || arg == "--log-format") ++i;
    }
    for (++i; i < argc; ++i) command.args.emplace_back(argv[i]);
    const bool help_after_command =
        std::find(command.args.begin(), command.args.end(), "--help") != command.args.end();
    if (values.count("help") != 0U && !help_after_command) command.args.emplace_back("--help");
    return found->second(command);
}

} // namespace

int run_program(int argc, char **argv, const Program &program) {
    try {
        return parse_and_run(argc, argv, program);
    } catch (const po::error &e) {
        return fail(std::string(e.what()) + "; run `pullcred --help`");
    } catch (const std::exception &e) {
        return fail(std::string("internal error: ") + e.what());
    }
}

int fail(const std::string &message) {
    log::error(message);
    return 1;
}

} // namespace pullcred::cli
