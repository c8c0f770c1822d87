#include <iostream>

#include "cli/check_report.hpp"
#include "cli/command.hpp"
#include "cli/command_options.hpp"
#include "cli/ecr_pattern_warnings.hpp"
#include "cli/lenient_config.hpp"
#include "cli/prerequisites.hpp"
#include "cli/session.hpp"
#include "config/schema_validator.hpp"
#include "log/logger.hpp"
#include "providers/providers.hpp"

namespace pullcred::cli {

namespace {

// A module's error about a profile or rule ("profiles.p.key: ...",
// "profile p: ...", "registries[0]: ...") as a problem at its key path.
config::Problem located(const std::string &message, const std::string &own_path,
                        const std::string &component) {
    if (message.rfind(own_path, 0) == 0) {
        const auto rest = message.substr(own_path.size());
        if (rest.rfind(": ", 0) == 0) return {own_path, rest.substr(2)};
        if (!rest.empty() && (rest.front() == '.' || rest.front() == '[')) {
            const auto colon = rest.find(": ");
            if (colon != std::string::npos) return {own_path + rest.substr(0, colon), rest.substr(colon + 2)};
        }
    }
    if (message.rfind(component + ": ", 0) == 0) return {own_path, message.substr(component.size() + 2)};
    return {own_path, message};
}

// Every problem of a module's settings, not only the first that creating
// the instance reports.
std::vector<config::Problem> module_settings_problems(const modules::Registry &registry,
                                                      const std::string &factory, pullcred_factory_kind kind,
                                                      const nlohmann::json &settings,
                                                      const std::string &path) {
    const auto *found = registry.find(factory);
    if (found == nullptr || found->factory->kind != kind || found->factory->config_schema == nullptr)
        return {};
    auto validator = config::SchemaValidator::compile(found->factory->config_schema);
    if (!validator) return {};
    auto problems = validator->validate(settings);
    for (auto &problem : problems) problem.path = config::join_path(path, problem.path);
    return problems;
}

// "module /x.so: ..." at the modules[N] that names /x.so.
config::Problem module_problem(const std::string &message, const LenientConfig &loaded) {
    for (std::size_t i = 0; i < loaded.module_paths.size(); ++i)
        if (message.rfind("module " + loaded.module_paths[i] + ":", 0) == 0)
            return {"modules[" + std::to_string(i) + "]", message};
    return {"modules", message};
}

void check_profiles(Session &session, const modules::Registry &registry, bool on_this_machine,
                    CheckReport &report) {
    auto &providers = session.providers();
    for (const auto &[name, profile] : session.config().profiles) {
        const auto path = "profiles." + name;
        report.add(module_settings_problems(registry, profile.source, PULLCRED_KIND_CREDENTIAL_SOURCE,
                                            providers::module_config_of_profile(profile), path));
        if (auto ready = providers.prepare_profile(name); !ready)
            report.add(located(ready.error().message, path, "profile " + name));
        if (on_this_machine) report.add(profile_prerequisites(profile));
    }
}

void check_rules(Session &session, const modules::Registry &registry, CheckReport &report) {
    auto &providers = session.providers();
    const auto &config = session.config();
    for (const auto &rule : config.registries) {
        const auto path = "registries[" + std::to_string(rule.index) + "]";
        report.add(module_settings_problems(registry, rule.backend, PULLCRED_KIND_REGISTRY_BACKEND,
                                            providers::module_config_of_rule(rule), path));
        if (auto ready = providers.prepare_rule(rule); !ready)
            report.add(located(ready.error().message, path, path));
        report.add(rule_prerequisites(rule, config));
        // "registries[0].matchImages[2] "*.*" can match ..."
        for (const auto &warning : ecr_pattern_warnings(rule)) {
            const auto space = warning.find(' ');
            report.add({warning.substr(0, space), warning.substr(space + 1), config::Severity::warning});
        }
    }
}

} // namespace

int run_check_config(const CommandLine &command) {
    std::string format = "text";
    bool config_alone = false;
    po::options_description own("check-config options");
    own.add_options()("format", po::value(&format)->default_value("text"),
                      "text: one line per problem, \"KEY.PATH: error: WHAT AND FIX\", on stderr; json: one "
                      "document {\"file\", \"ok\", \"profiles\", \"rules\", \"problems\": [{\"severity\", "
                      "\"path\", \"message\"}]} on stdout, for tools")(
        "no-prerequisites", po::bool_switch(&config_alone),
        "check the config alone, not what it needs on this machine (files, environment variables, AWS "
        "profiles in their files): for CI, away from the node");
    auto parsed = parse_command(command, own);
    if (parsed.help) {
        print_command_help(
            "pullcred check-config [--config FILE] [--format text|json] [--no-prerequisites]\n\n"
            "Checks the config in one run: the schema, references (rules -> profiles -> sources\n"
            "and backends), modules, and what the sources need at request time (files present,\n"
            "readable and trusted, environment variables set, AWS profiles present in their\n"
            "files, aws.ecr rules with a profile). Exit status 1 on any error, 0 with warnings only.",
            own, "pullcred check-config --config /etc/pullcred/config.yaml --format json");
        return 0;
    }
    if (format != "text" && format != "json") {
        log::error("check-config --format: \"" + format + "\" is not a format: use text or json");
        return 2;
    }

    auto loaded = load_leniently(config::locate_config(command.global.config));
    CheckReport report(loaded.config.file);
    report.add_schema(loaded.schema_problems);
    report.add(loaded.problems);
    if (loaded.checkable) {
        Session session(config::LoadResult{loaded.config, {}, {}});
        const auto &discovery = session.discovery(/*warn=*/false);
        for (const auto &problem : discovery.problems) report.add(module_problem(problem, loaded));
        check_profiles(session, discovery.registry, !config_alone, report);
        check_rules(session, discovery.registry, report);
        if (!config_alone) report.add(host_prerequisites(session.config()));
        report.counts(session.config().profiles.size(), session.config().registries.size());
    }
    if (format == "json")
        report.print_json(std::cout);
    else
        report.print_text(std::cout, std::cerr);
    return report.has_errors() ? 1 : 0;
}

} // namespace pullcred::cli
