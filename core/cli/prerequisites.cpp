#include "cli/prerequisites.hpp"

#include <algorithm>
#include <functional>

#include "aws/profile/environment.hpp"
#include "aws/profile/shared_config.hpp"
#include "aws/sources/profile_chain.hpp"
#include "cli/input_checks.hpp"
#include "util/files.hpp"
#include "util/input_file.hpp"

namespace pullcred::cli {

namespace {

using config::join_path;
using nlohmann::json;

std::string setting(const json &settings, const char *key) {
    auto it = settings.find(key);
    return it != settings.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string join_file(const std::string &dir, const char *name) {
    return dir + (!dir.empty() && dir.back() == '/' ? "" : "/") + name;
}

// The AWS files as the host reads them for a source (read_input_file).
aws::FileReader host_reader() {
    return [](const std::string &path) -> Result<std::optional<std::string>> {
        if (path.empty()) return std::optional<std::string>();
        auto read = read_input_file(path, "file");
        if (!read) return read.error();
        if (!*read) return std::optional<std::string>();
        return std::optional<std::string>(std::move((*read)->content));
    };
}

struct AwsFiles {
    aws::SharedConfigPaths paths;
    std::string profile;
    std::string profile_path; // the key that chose the profile
    std::string files_path;   // the key that chose the files
};

// The profile must be in the files, as aws.static and aws.shared-config read them.
// Returns the files when they hold the profile.
std::optional<aws::SharedConfig> check_profile_in_files(const AwsFiles &files, Problems &problems) {
    auto loaded = aws::SharedConfig::load(files.paths, host_reader());
    if (!loaded) {
        problems.push_back({files.files_path, loaded.error().message});
        return std::nullopt;
    }
    if (loaded->has_profile(files.profile)) return std::move(*loaded);
    std::vector<std::string> named;
    for (const auto *file : {&files.paths.config_file, &files.paths.credentials_file})
        if (!file->empty()) named.push_back(*file);
    const auto where = named.size() == 2   ? "in neither " + named[0] + " nor " + named[1]
                       : named.size() == 1 ? "not in " + named[0]
                                           : std::string("in no file (no home directory to find ~/.aws in)");
    auto names = loaded->profile_names();
    std::string known;
    for (const auto &name : names) known += (known.empty() ? "" : ", ") + name;
    problems.push_back({files.profile_path,
                        "profile '" + files.profile + "' is " + where + ": add [profile " + files.profile +
                            "] to the config file (or [" + files.profile + "] to the credentials file)" +
                            (known.empty() ? "" : ", or use one of: " + known)});
    return std::nullopt;
}

// Explicitly named AWS files must exist; `~` expands as the sources expand it.
bool check_named_aws_file(std::string &file, const std::string &path, Problems &problems) {
    if (file.empty()) return true;
    auto expanded = aws::expand_home(file, aws::process_env());
    if (!expanded) {
        problems.push_back({path, expanded.error().message});
        return false;
    }
    file = *expanded;
    return check_input_file(file, path, problems);
}

constexpr std::string_view kStaticLayout =
    "a Secret for aws.static holds the files AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY, optionally AWS_SESSION_TOKEN and REGION, or "
    "an AWS `config` or `credentials` file";

void static_secret_dir(const json &settings, const std::string &path, Problems &problems) {
    const auto dir = setting(settings, "secretDir");
    const auto key_path = join_path(path, "secretDir");
    if (dir.empty() || !check_input_directory(dir, key_path, kStaticLayout, problems)) return;
    std::string missing;
    for (const auto *name : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "REGION"}) {
        const bool required = std::string_view(name).starts_with("AWS_ACCESS") ||
                              std::string_view(name).starts_with("AWS_SECRET");
        auto read = read_input_file(join_file(dir, name), "file");
        if (!read) {
            problems.push_back({key_path, read.error().message});
        } else if (required &&
                   (!*read || (*read)->content.find_first_not_of(" \t\r\n") == std::string::npos)) {
            missing += (missing.empty() ? "" : " and ") + std::string(name);
        }
    }
    if (missing.empty()) return;
    // The tutorial's layout: an AWS config or credentials file, profile default.
    AwsFiles files{{}, "default", key_path, key_path};
    for (auto [name, out] : {std::pair{"config", &files.paths.config_file},
                             std::pair{"credentials", &files.paths.credentials_file}})
        if (current_identity(join_file(dir, name))) *out = join_file(dir, name);
    if (!files.paths.config_file.empty() || !files.paths.credentials_file.empty()) {
        (void)check_profile_in_files(files, problems);
        return;
    }
    problems.push_back(
        {key_path, dir + " has no " + missing + " (or they are empty): " + std::string(kStaticLayout)});
}

void static_config_file(const json &settings, const std::string &path, Problems &problems) {
    AwsFiles files{{setting(settings, "configFile"), setting(settings, "credentialsFile")},
                   setting(settings, "profile"),
                   join_path(path, "profile"),
                   join_path(path, "configFile")};
    if (files.profile.empty()) {
        files.profile = "default";
        files.profile_path = files.files_path;
    }
    const bool found =
        check_named_aws_file(files.paths.config_file, files.files_path, problems) &&
        check_named_aws_file(files.paths.credentials_file, join_path(path, "credentialsFile"), problems);
    if (found) (void)check_profile_in_files(files, problems);
}

void static_environment(const json & /*settings*/, const std::string &path, Problems &problems) {
    for (const auto *name : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"})
        check_env_set(name, join_path(path, "fromEnvironment"), problems);
}

// aws.shared-config: configFile / credentialsFile override AWS_CONFIG_FILE /
// AWS_SHARED_CREDENTIALS_FILE; the profile is `profile`, else AWS_PROFILE, else default.
void shared_config(const json &settings, const std::string &path, Problems &problems) {
    auto config_file = setting(settings, "configFile");
    auto credentials_file = setting(settings, "credentialsFile");
    if (!check_named_aws_file(config_file, join_path(path, "configFile"), problems) ||
        !check_named_aws_file(credentials_file, join_path(path, "credentialsFile"), problems))
        return;
    const auto base = aws::process_env();
    const aws::EnvLookup env = [&](std::string_view name) -> std::optional<std::string> {
        if (name == "AWS_CONFIG_FILE" && !config_file.empty()) return config_file;
        if (name == "AWS_SHARED_CREDENTIALS_FILE" && !credentials_file.empty()) return credentials_file;
        return base(name);
    };
    auto paths = aws::shared_config_paths(env);
    if (!paths) {
        problems.push_back({path, paths.error().message});
        return;
    }
    AwsFiles files{*paths, setting(settings, "profile"), join_path(path, "profile"), path};
    if (files.profile.empty()) {
        files.profile = aws::selected_profile_name(env);
        files.profile_path = path;
    }
    auto loaded = check_profile_in_files(files, problems);
    if (!loaded) return;
    // Its chain (source_profile, credential_source, ...) as the source plans it.
    auto plan = aws::sources::plan_profile(*loaded, files.profile);
    if (!plan) {
        problems.push_back({files.profile_path, plan.error().message});
    } else if (plan->base == aws::sources::BaseKind::web_identity) {
        if (auto token = plan->base_profile.web_identity_token_file())
            check_input_file(*token, files.profile_path, problems);
    }
}

// Keys that name a file the source reads.
std::function<void(const json &, const std::string &, Problems &)>
files_named_by(const std::vector<const char *> &keys) {
    return [keys](const json &settings, const std::string &path, Problems &problems) {
        for (const auto *key : keys) {
            const auto file = setting(settings, key);
            // A token URI or TPM handle is no file: the source itself says
            // whether it can use one.
            if (file.empty() || file.rfind("pkcs11:", 0) == 0 || file.rfind("handle:", 0) == 0) continue;
            check_input_file(file, join_path(path, key), problems);
        }
    };
}

std::function<void(const json &, const std::string &, Problems &)> env_named_by(const char *key) {
    return [key](const json &settings, const std::string &path, Problems &problems) {
        if (auto name = setting(settings, key); !name.empty())
            check_env_set(name, join_path(path, key), problems);
    };
}

void process_command(const json &settings, const std::string &path, Problems &problems) {
    if (auto command = setting(settings, "command"); !command.empty())
        check_command_program(command, join_path(path, "command"), problems);
}

struct Need {
    const char *key; // runs when the settings have this key; nullptr: always
    std::function<void(const json &, const std::string &, Problems &)> check;
};

struct FactoryNeeds {
    std::string_view factory;
    std::vector<Need> needs;
};

const std::vector<FactoryNeeds> &source_needs() {
    static const std::vector<FactoryNeeds> table{
        {"aws.static",
         {{"secretDir", static_secret_dir},
          {"configFile", static_config_file},
          {"fromEnvironment", static_environment}}},
        {"aws.shared-config", {{nullptr, shared_config}}},
        {"aws.roles-anywhere",
         {{nullptr, files_named_by({"certificate", "privateKey", "intermediates", "privateKeyPasswordFile",
                                    "tpmKeyPasswordFile"})},
          {"privateKeyPasswordEnv", env_named_by("privateKeyPasswordEnv")},
          {"tpmKeyPasswordEnv", env_named_by("tpmKeyPasswordEnv")}}},
        {"aws.process", {{"command", process_command}}},
    };
    return table;
}

// Backends that sign their calls with the rule's profile's credentials.
constexpr std::string_view kBackendsNeedingProfile[] = {"aws.ecr"};

} // namespace

std::vector<config::Problem> profile_prerequisites(const config::Profile &profile) {
    Problems problems;
    const auto path = "profiles." + profile.name;
    for (const auto &entry : source_needs()) {
        if (entry.factory != profile.source || !profile.settings.is_object()) continue;
        for (const auto &need : entry.needs)
            if (need.key == nullptr || profile.settings.contains(need.key))
                need.check(profile.settings, path, problems);
    }
    return problems;
}

std::vector<config::Problem> rule_prerequisites(const config::Rule &rule, const config::Config &config) {
    Problems problems;
    const auto needs_profile =
        std::find(std::begin(kBackendsNeedingProfile), std::end(kBackendsNeedingProfile), rule.backend) !=
        std::end(kBackendsNeedingProfile);
    if (!needs_profile || !rule.profile.empty()) return problems;
    std::string names;
    for (const auto &[name, unused] : config.profiles) names += (names.empty() ? "" : ", ") + name;
    problems.push_back({"registries[" + std::to_string(rule.index) + "].profile",
                        rule.backend +
                            " needs AWS credentials to call the registry's API, and the rule names no "
                            "profile: add `profile: NAME` to the rule" +
                            (names.empty() ? std::string(" and define NAME under profiles")
                                           : " (profiles defined: " + names + ")")});
    return problems;
}

std::vector<config::Problem> host_prerequisites(const config::Config &config) {
    Problems problems;
    const auto &bundle = config.settings.ca_bundle;
    if (bundle.empty()) return problems;
    auto opened = open_regular_file(bundle, "caBundle");
    if (!opened)
        problems.push_back({"settings.caBundle", opened.error().message});
    else if (!*opened)
        problems.push_back({"settings.caBundle", bundle +
                                                     " does not exist: correct the path to the PEM file of "
                                                     "the CA certificates to trust"});
    return problems;
}

} // namespace pullcred::cli
