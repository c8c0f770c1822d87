// pullcred-node: `pullcred node install|uninstall`, in the private lib dir.
// pullcred-host (exec'd by bin/pullcred) execs it for `node` with the same argv: the
// node installer is linked here and nowhere else.
#include "cli/command.hpp"
#include "cli/program.hpp"
#include "node/node_command.hpp"

namespace {

constexpr std::string_view kUsage =
    R"(usage: pullcred [--config FILE] [--log-level LEVEL] [--log-format text|json] node install|uninstall [ARGS]

`pullcred node install --help` for the options; `pullcred --help` for every command.
)";

} // namespace

int main(int argc, char **argv) {
    static const pullcred::cli::Program program{
        .usage = kUsage,
        .commands = {{"node", &pullcred::cli::run_node}},
        .handed_on = {},
        .version = &pullcred::cli::print_version,
    };
    return pullcred::cli::run_program(argc, argv, program);
}
