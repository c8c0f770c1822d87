#include <iostream>

#include "cli/command.hpp"
#include "cli/command_options.hpp"
#include "cli/ecr_pattern_warnings.hpp"
#include "cli/session.hpp"
#include "log/logger.hpp"

namespace pullcred::cli {

namespace {
// aws.ecr rules whose matchImages can send it hosts that are not ECR hosts.
void warn_about_ecr_patterns(const config::Config &config) {
    for (const auto &rule : config.registries)
        for (const auto &warning : ecr_pattern_warnings(rule))
            log::warn("config " + config.file + ": " + warning);
}
} // namespace

int run_check_config(const CommandLine &command) {
    po::options_description own("check-config options");
    auto parsed = parse_command(command, own);
    if (parsed.help) {
        print_command_help("pullcred check-config [--config FILE]", own,
                           "pullcred check-config --config /etc/pullcred/config.yaml");
        return 0;
    }
    auto session = Session::open(command.global);
    std::vector<std::string> problems = session.loaded().messages();
    if (problems.empty()) {
        warn_about_ecr_patterns(session.config());
        const auto &discovery = session.discovery(/*warn=*/false);
        problems.insert(problems.end(), discovery.problems.begin(), discovery.problems.end());
        auto &providers = session.providers();
        const auto where = "config " + session.config().file + ": ";
        for (const auto &[name, profile] : session.config().profiles)
            if (auto ready = providers.prepare_profile(name); !ready)
                problems.push_back(where + ready.error().message);
        for (const auto &rule : session.config().registries)
            if (auto ready = providers.prepare_rule(rule); !ready)
                problems.push_back(where + ready.error().message);
    }
    for (const auto &problem : problems) log::error(problem);
    if (!problems.empty()) {
        std::cerr << problems.size() << " problem(s) found\n";
        return 1;
    }
    const auto &config = session.config();
    std::cout << (config.file.empty() ? std::string("built-in config") : config.file) << ": OK ("
              << config.profiles.size() << " profile(s), " << config.registries.size() << " rule(s))\n";
    return 0;
}

} // namespace pullcred::cli
