#include "cli/app.hpp"

#include <string>
#include <string_view>
#include <vector>

#include "cli/command.hpp"
#include "cli/program.hpp"
#include "util/install_prefix.hpp"

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

const Program &host_program() {
    static const Program program{
        .usage = kUsage,
        .commands =
            {
                {"get-credentials", &run_get_credentials},
                {"explain", &run_explain},
                {"check-config", &run_check_config},
                {"modules", &run_modules},
                {"credential-process", &run_credential_process},
                {"docker-credential", &run_docker_credential},
                {"signing-helper", &run_signing_helper},
            },
        .handed_on = {{"node", kNodeExecutableName}},
        .version = &print_version,
    };
    return program;
}

// Invoked as docker-credential-pullcred (aws_signing_helper): `pullcred
// docker-credential ARGS` (signing-helper), global options (--config,
// --log-level, --log-format) included.
int run_as(std::string_view command_name, int argc, char **argv) {
    std::string name(command_name); // argv's entries are mutable char *
    std::vector<char *> args{argv[0], name.data()};
    args.insert(args.end(), argv + 1, argv + argc);
    args.push_back(nullptr);
    return run_program(static_cast<int>(args.size()) - 1, args.data(), host_program());
}

std::string_view invoked_as(const char *argv0) {
    const std::string_view name(argv0);
    return name.substr(name.rfind('/') == std::string_view::npos ? 0 : name.rfind('/') + 1);
}
} // namespace

int run(int argc, char **argv) {
    if (argc > 0 && invoked_as(argv[0]) == "docker-credential-pullcred")
        return run_as("docker-credential", argc, argv);
    if (argc > 0 && invoked_as(argv[0]) == "aws_signing_helper") return run_as("signing-helper", argc, argv);
    return run_program(argc, argv, host_program());
}

} // namespace pullcred::cli
