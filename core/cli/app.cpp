#include "cli/app.hpp"

#include <algorithm>
#include <boost/program_options.hpp>
#include <iostream>
#include <map>
#include <string_view>

#include "cli/command.hpp"
#include "log/logger.hpp"

namespace po = boost::program_options;

namespace pullcred::cli {

namespace {

constexpr std::string_view kUsage =
    R"(usage: pullcred [--config FILE] [--log-level LEVEL] [--log-format text|json] COMMAND [ARGS]

Commands:
  get-credentials      answer kubelet: CredentialProviderRequest on stdin,
                       CredentialProviderResponse on stdout
  explain IMAGE        which rule, profile, source and backend serve IMAGE
  check-config         validate the config and load every module it needs
  modules              list the modules found, their versions and factories
  docker-credential ACTION
                       docker/podman/skopeo credential helper (get, list,
                       store, erase, version); also as docker-credential-pullcred
  credential-process   AWS credential_process JSON for a profile, or a drop-in
                       for `aws_signing_helper credential-process` (same flags)
  signing-helper COMMAND
                       aws_signing_helper's commands (credential-process,
                       serve, update, read-certificate-data, sign-string,
                       version); also as aws_signing_helper
  node install|uninstall
                       put pullcred on a node (bundle, config, kubelet flags)
                       or remove it; what the Helm chart's DaemonSet runs

Options:
  --config FILE        config file (default: $PULLCRED_CONFIG, then
                       /etc/pullcred/config.yaml; without one, pullcred acts
                       like the reference ECR credential provider)
  --log-level LEVEL    debug, info, warn or error (default info)
  --log-format FORMAT  text or json (default text)
  --version            version, ABI version and the modules found
  --help               this text; `pullcred COMMAND --help` for a command

Example (what kubelet runs):
  echo '{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"111122223333.dkr.ecr.us-west-2.amazonaws.com/app"}' \
    | pullcred get-credentials --config /etc/pullcred/config.yaml
)";

using Runner = int (*)(const CommandLine &);

const std::map<std::string_view, Runner> &commands() {
    static const std::map<std::string_view, Runner> table{
        {"get-credentials", &run_get_credentials},
        {"explain", &run_explain},
        {"check-config", &run_check_config},
        {"modules", &run_modules},
        {"credential-process", &run_credential_process},
        {"docker-credential", &run_docker_credential},
        {"node", &run_node},
        {"signing-helper", &run_signing_helper},
    };
    return table;
}

int parse_and_run(int argc, char **argv) {
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

    if (values.count("version") != 0U && command_name.empty()) return print_version();
    if (command_name.empty()) {
        std::cout << kUsage;
        return values.count("help") != 0U ? 0 : 2;
    }
    const auto found = commands().find(command_name);
    if (found == commands().end())
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

// Invoked as docker-credential-pullcred (aws_signing_helper): `pullcred
// docker-credential ARGS` (signing-helper), global options (--config,
// --log-level, --log-format) included.
int run_as(std::string_view command_name, int argc, char **argv) {
    std::string name(command_name); // argv's entries are mutable char *
    std::vector<char *> args{argv[0], name.data()};
    args.insert(args.end(), argv + 1, argv + argc);
    args.push_back(nullptr);
    return parse_and_run(static_cast<int>(args.size()) - 1, args.data());
}

std::string_view invoked_as(const char *argv0) {
    const std::string_view name(argv0);
    return name.substr(name.rfind('/') == std::string_view::npos ? 0 : name.rfind('/') + 1);
}
} // namespace

int run(int argc, char **argv) {
    try {
        if (argc > 0 && invoked_as(argv[0]) == "docker-credential-pullcred")
            return run_as("docker-credential", argc, argv);
        if (argc > 0 && invoked_as(argv[0]) == "aws_signing_helper")
            return run_as("signing-helper", argc, argv);
        return parse_and_run(argc, argv);
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
