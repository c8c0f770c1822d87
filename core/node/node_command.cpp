// pullcred node install | uninstall: what the Helm chart's DaemonSet runs on
// every node (packaging/helm/pullcred/README.md, "The installer contract").
// The work is in the node installer (pullcred_node); this file, built into
// pullcred-node only, is flags, the config check, the
// kubelet restart and the --watch loop.
//
// kubelet restart: the pod is privileged with hostPID, so the installer joins
// PID 1's namespaces (node/host_command) and runs `systemctl daemon-reload`
// then `systemctl restart kubelet` there. --restart-command replaces both
// with one command run by the host's `/bin/sh -c` (tests record restarts
// with it).
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "cli/command.hpp"
#include "cli/command_options.hpp"
#include "cli/session.hpp"
#include "log/logger.hpp"
#include "node/bottlerocket.hpp"
#include "node/host_command.hpp"
#include "node/installer.hpp"
#include "node/node_command.hpp"
#include "util/clock.hpp"
#include "util/duration.hpp"
#include "util/files.hpp"
#include "util/install_prefix.hpp"
#include "util/sha256.hpp"

namespace pullcred::cli {

namespace {

namespace fs = std::filesystem;

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_stop_signal(int) {
    g_stop = 1;
}

void install_stop_handlers() {
    struct sigaction action {};
    action.sa_handler = &on_stop_signal;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGTERM, &action, nullptr);
    ::sigaction(SIGINT, &action, nullptr);
}

// Sleeps up to `seconds`; false when asked to stop.
bool wait_or_stop(double seconds) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (g_stop == 0 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return g_stop == 0;
}

struct KubeletRestart {
    std::string command; // empty: systemctl
    int host_pid = 1;
};

Status restart_kubelet(const KubeletRestart &restart) {
    if (!restart.command.empty())
        return node::run_on_host({"/bin/sh", "-c", restart.command}, restart.host_pid);
    if (auto status = node::run_on_host({"systemctl", "daemon-reload"}, restart.host_pid); !status)
        return status;
    return node::run_on_host({"systemctl", "restart", "kubelet"}, restart.host_pid);
}

void add_restart_options(po::options_description &own, KubeletRestart &restart) {
    own.add_options()(
        "restart-command", po::value(&restart.command),
        "restart kubelet with the node's `/bin/sh -c COMMAND` (default: systemctl daemon-reload, "
        "then systemctl restart kubelet)")(
        "host-pid", po::value(&restart.host_pid)->default_value(1),
        "the process whose namespaces are the node's: restarts run there (1 in a hostPID pod)");
}

// The same checks as `pullcred check-config`: a bad config never reaches kubelet.
Status check_config(const std::string &config) {
    auto session = Session::open(GlobalOptions{config});
    std::vector<std::string> problems = session.loaded().messages();
    if (problems.empty()) {
        const auto &discovery = session.discovery();
        problems.insert(problems.end(), discovery.problems.begin(), discovery.problems.end());
        auto &providers = session.providers();
        for (const auto &[name, profile] : session.config().profiles)
            if (auto ready = providers.prepare_profile(name); !ready)
                problems.push_back(ready.error().message);
        for (const auto &rule : session.config().registries)
            if (auto ready = providers.prepare_rule(rule); !ready) problems.push_back(ready.error().message);
    }
    if (problems.empty()) return ok();
    std::string all = "config " + config + " not installed: " + problems.front();
    if (problems.size() > 1) all += " (and " + std::to_string(problems.size() - 1) + " more problem(s))";
    return Error::failed(all);
}

void log_changes(const node::Changes &changes) {
    for (const auto &line : changes.log) log::info(line);
}

fs::path bundle_root() {
    return install_prefix();
}

bool absolute_dir(const std::string &text) {
    return !text.empty() && text.front() == '/';
}

// Bottlerocket: pullcred's profile, resolved here, becomes AWS keys in
// settings.aws.config for Bottlerocket's own ecr-credential-provider.
struct BottlerocketFlags {
    std::string socket;
    std::string profile;
    std::string refresh_before = "30m";
};

Result<node::AwsKeys> profile_keys(const fs::path &config, const std::string &profile) {
    auto session = Session::open(GlobalOptions{config.string()});
    if (auto ready = session.providers().prepare_profile(profile); !ready) return ready.error();
    auto credentials = session.providers().credentials_for(profile, "");
    if (!credentials) return credentials.error();
    node::AwsKeys keys{credentials->get(PULLCRED_FIELD_ACCESS_KEY_ID),
                       credentials->get(PULLCRED_FIELD_SECRET_ACCESS_KEY),
                       credentials->get(PULLCRED_FIELD_SESSION_TOKEN), credentials->expires_unix};
    if (keys.access_key_id.empty() || keys.secret_access_key.empty())
        return Error::failed("profile '" + profile +
                             "' gave no AWS keys: Bottlerocket's provider needs them");
    return keys;
}

Result<node::BottlerocketOptions> bottlerocket_options(const node::InstallOptions &options,
                                                       const fs::path &socket, const BottlerocketFlags &flags,
                                                       std::string &profile) {
    node::BottlerocketOptions out;
    out.socket = socket;
    out.host_root = options.host_root;
    auto refresh = parse_go_duration(flags.refresh_before);
    if (!refresh) return Error::failed("--bottlerocket-refresh-before: " + refresh.error().message);
    out.refresh_before = refresh->count();
    auto session = Session::open(GlobalOptions{options.config.string()});
    const auto &profiles = session.config().profiles;
    profile = flags.profile;
    if (profile.empty() && profiles.size() == 1) profile = profiles.begin()->first;
    if (profile.empty())
        return Error::failed("--bottlerocket-profile NAME is required: the config has " +
                             std::to_string(profiles.size()) + " profiles");
    const auto found = profiles.find(profile);
    if (found == profiles.end())
        return Error::failed("--bottlerocket-profile: no profile '" + profile + "' in the config");
    out.fingerprint = sha256_hex(profile + "\n" + found->second.settings.dump()).substr(0, 16);
    out.wanted.image_patterns = options.match_images;
    out.wanted.cache_duration = options.default_cache_duration;
    out.wanted.environment = options.provider_env;
    out.wanted.profile = "default";
    return out;
}

int run_bottlerocket_install(const node::InstallOptions &options, const fs::path &socket,
                             const BottlerocketFlags &flags, bool watch, double interval) {
    log::info("Bottlerocket host: configuring through the API socket " + socket.string());
    if (auto status = check_config(options.config); !status) return fail(status.error().message);
    std::string profile;
    auto settings = bottlerocket_options(options, socket, flags, profile);
    if (!settings) return fail("node install: " + settings.error().message);
    auto keys = [&]() { return profile_keys(options.config, profile); };
    auto now = [] { return util::now_unix_ms() / 1000; };
    auto changes = node::bottlerocket_sync(*settings, keys, now());
    if (!changes) return fail("node install: " + changes.error().message);
    log_changes(*changes);
    log::info(changes->log.empty() ? "node install: up to date, nothing changed" : "node install: done");
    if (!watch) return 0;
    install_stop_handlers();
    log::info("watching " + options.config.string() + " and the credentials of profile '" + profile + "'");
    auto last_config = read_file_capped(options.config, "config");
    while (wait_or_stop(interval)) {
        auto config = read_file_capped(options.config, "config");
        if (!config) return fail("node install --watch: " + config.error().message);
        if (!last_config || *config != *last_config) {
            if (auto status = check_config(options.config); !status) return fail(status.error().message);
            settings = bottlerocket_options(options, socket, flags, profile);
            if (!settings) return fail("node install --watch: " + settings.error().message);
            last_config = config;
        }
        auto synced = node::bottlerocket_sync(*settings, keys, now());
        if (!synced) return fail("node install --watch: " + synced.error().message);
        log_changes(*synced);
    }
    log::info("node install --watch: stopped");
    return 0;
}

int run_install(const CommandLine &command, const std::vector<std::string> &args) {
    node::InstallOptions options;
    std::string host_root;
    std::string secrets_dir;
    std::vector<std::string> env_names;
    KubeletRestart restart;
    std::string install_dir = options.paths.install_dir.string();
    double interval = 5;
    BottlerocketFlags bottlerocket;
    po::options_description own("node install options");
    own.add_options()("host-root", po::value(&host_root), "the node's / (required, e.g. /host)")(
        "secrets-dir", po::value(&secrets_dir), "mounted Secrets to mirror to the same path on the host")(
        "provider-match-image", po::value(&options.match_images)->composing(),
        "kubelet provider matchImages (repeat, in order; at least one)")(
        "provider-default-cache-duration", po::value(&options.default_cache_duration)->default_value("5h"),
        "kubelet provider defaultCacheDuration")(
        "provider-api-version", po::value(&options.provider_api_version),
        "credentialprovider.kubelet.k8s.io/v1|v1beta1|v1alpha1 (default: from the node's kubelet version)")(
        "provider-env", po::value(&env_names)->composing(),
        "NAME (or NAME=VALUE): copy NAME's value in this environment into the provider's env (repeat)")(
        "kubelet-version", po::value(&options.kubelet_version),
        "the node's kubelet version (default: run the host's kubelet --version)")(
        "install-dir", po::value(&install_dir), "bundle directory on the node (default /opt/pullcred)")(
        "watch", "stay running and re-sync when the config or a Secret changes (stops on SIGTERM)")(
        "watch-interval", po::value(&interval)->default_value(5), "seconds between checks with --watch")(
        "bottlerocket-api-socket", po::value(&bottlerocket.socket),
        "Bottlerocket API socket (default: <host-root>/run/api.sock when it exists)")(
        "bottlerocket-profile", po::value(&bottlerocket.profile),
        "Bottlerocket: the config's profile whose AWS keys go into settings.aws.config (default: the only "
        "one)")("bottlerocket-refresh-before", po::value(&bottlerocket.refresh_before)->default_value("30m"),
                "Bottlerocket: renew temporary keys when they expire within this long");
    add_restart_options(own, restart);
    CommandLine own_command = command;
    own_command.args = args;
    auto parsed = parse_command(own_command, own);
    if (parsed.help) {
        print_command_help(
            "pullcred node install --host-root DIR --config FILE --provider-match-image GLOB... [options]",
            own,
            "pullcred node install --host-root=/host --config=/etc/pullcred/chart/config.yaml "
            "--secrets-dir=/etc/pullcred/secrets --provider-match-image='*.dkr.ecr.*.amazonaws.com' "
            "--provider-env=HTTPS_PROXY --watch");
        return 0;
    }
    if (!absolute_dir(host_root)) return fail("node install: --host-root DIR (absolute) is required");
    if (command.global.config.empty())
        return fail("node install: --config FILE (the config to install) is required");
    if (!secrets_dir.empty() && !absolute_dir(secrets_dir))
        return fail(
            "node install: --secrets-dir must be absolute (it is mirrored to the same path on the host)");
    if (!absolute_dir(install_dir)) return fail("node install: --install-dir must be absolute");
    if (options.match_images.empty())
        return fail("node install: at least one --provider-match-image is required");
    if (auto duration = parse_go_duration(options.default_cache_duration); !duration)
        return fail("node install: --provider-default-cache-duration: " + duration.error().message);
    if (interval < 0.1 || interval > 3600)
        return fail("node install: --watch-interval must be 0.1 to 3600 seconds");
    for (const auto &name : env_names) {
        const auto equals = name.find('=');
        if (equals != std::string::npos) {
            options.provider_env.emplace_back(name.substr(0, equals), name.substr(equals + 1));
            continue;
        }
        const char *value = std::getenv(name.c_str());
        if (value == nullptr) {
            log::warn("--provider-env " + name + ": not set in the installer's environment; left out");
            continue;
        }
        options.provider_env.emplace_back(name, value);
    }
    options.host_root = fs::path(host_root).lexically_normal();
    options.bundle_root = bundle_root();
    options.config = command.global.config;
    options.secrets_dir = secrets_dir.empty() ? fs::path() : fs::path(secrets_dir).lexically_normal();
    options.paths.install_dir = fs::path(install_dir).lexically_normal();

    if (auto socket = node::bottlerocket_socket(options.host_root, bottlerocket.socket))
        return run_bottlerocket_install(options, *socket, bottlerocket, parsed.values.count("watch") != 0U,
                                        interval);
    if (auto status = node::refuse_unsupported_host(options.host_root); !status)
        return fail(status.error().message);
    std::vector<std::string> warnings;
    auto api = node::detect_provider_api(options, warnings);
    for (const auto &warning : warnings) log::warn(warning);
    if (!api) return fail("node install: " + api.error().message);
    if (!api->warning.empty()) log::warn(api->warning);

    if (auto status = check_config(options.config); !status) return fail(status.error().message);
    auto last_config = read_file_capped(options.config, "config");
    node::Installer installer(options);
    auto changes = installer.install(*api);
    if (!changes) return fail("node install: " + changes.error().message);
    log_changes(*changes);
    if (changes->kubelet) {
        if (auto status = restart_kubelet(restart); !status)
            return fail("node install: restarting kubelet: " + status.error().message);
        log::info("kubelet restarted");
    }
    log::info(changes->log.empty() ? "node install: up to date, nothing changed" : "node install: done");
    if (parsed.values.count("watch") == 0U) return 0;

    install_stop_handlers();
    log::info("watching " + options.config.string() +
              (options.secrets_dir.empty() ? std::string() : " and " + options.secrets_dir.string()));
    while (wait_or_stop(interval)) {
        auto config = read_file_capped(options.config, "config");
        if (!config) return fail("node install --watch: " + config.error().message);
        if (!last_config || *config != *last_config) {
            if (auto status = check_config(options.config); !status) return fail(status.error().message);
            last_config = config;
        }
        auto synced = installer.sync(*api);
        if (!synced) return fail("node install --watch: " + synced.error().message);
        log_changes(*synced);
        if (synced->kubelet) {
            if (auto status = restart_kubelet(restart); !status)
                return fail("node install --watch: restarting kubelet: " + status.error().message);
            log::info("kubelet restarted");
        }
    }
    log::info("node install --watch: stopped");
    return 0;
}

int run_uninstall(const CommandLine &command, const std::vector<std::string> &args) {
    std::string host_root;
    KubeletRestart restart;
    node::Paths paths;
    std::string install_dir = paths.install_dir.string();
    std::string bottlerocket_socket;
    po::options_description own("node uninstall options");
    own.add_options()("host-root", po::value(&host_root), "the node's / (required, e.g. /host)")(
        "install-dir", po::value(&install_dir), "bundle directory on the node (default /opt/pullcred)")(
        "watch", "then stay running, doing nothing, until SIGTERM")(
        "bottlerocket-api-socket", po::value(&bottlerocket_socket),
        "Bottlerocket API socket (default: <host-root>/run/api.sock when it exists)");
    add_restart_options(own, restart);
    CommandLine own_command = command;
    own_command.args = args;
    auto parsed = parse_command(own_command, own);
    if (parsed.help) {
        print_command_help("pullcred node uninstall --host-root DIR [--watch]", own,
                           "pullcred node uninstall --host-root=/host");
        return 0;
    }
    if (!absolute_dir(host_root)) return fail("node uninstall: --host-root DIR (absolute) is required");
    if (!absolute_dir(install_dir)) return fail("node uninstall: --install-dir must be absolute");
    paths.install_dir = fs::path(install_dir).lexically_normal();
    const auto root = fs::path(host_root).lexically_normal();
    const auto socket = node::bottlerocket_socket(root, bottlerocket_socket);
    auto changes = socket ? node::bottlerocket_uninstall(*socket, root) : node::uninstall(root, paths);
    if (!changes) return fail("node uninstall: " + changes.error().message);
    log_changes(*changes);
    if (changes->kubelet && !socket) {
        if (auto status = restart_kubelet(restart); !status)
            return fail("node uninstall: restarting kubelet: " + status.error().message);
        log::info("kubelet restarted");
    }
    log::info(changes->log.empty() ? "node uninstall: nothing to remove" : "node uninstall: done");
    if (parsed.values.count("watch") == 0U) return 0;
    install_stop_handlers();
    while (wait_or_stop(3600)) {
    }
    return 0;
}

} // namespace

int run_node(const CommandLine &command) {
    if (command.args.empty() || command.args.front() == "--help" || command.args.front() == "-h") {
        std::cout << "usage: pullcred node install|uninstall --host-root DIR [options]\n"
                     "  install     copy the node bundle, config and Secrets to the host, point kubelet at "
                     "pullcred\n"
                     "  uninstall   remove everything install added and restore kubelet's flags\n"
                     "`pullcred node install --help` for the options.\n";
        return command.args.empty() ? 2 : 0;
    }
    const auto action = command.args.front();
    const std::vector<std::string> rest(command.args.begin() + 1, command.args.end());
    if (action == "install") return run_install(command, rest);
    if (action == "uninstall") return run_uninstall(command, rest);
    return fail("node: unknown action \"" + action + "\" (install, uninstall)");
}

} // namespace pullcred::cli
