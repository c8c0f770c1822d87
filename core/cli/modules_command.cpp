#include <iostream>

#include "cli/command.hpp"
#include "cli/command_options.hpp"
#include "cli/session.hpp"

namespace pullcred::cli {

namespace {
void print_modules(const modules::Registry &registry) {
    for (const auto &module : registry.modules()) {
        std::cout << module.descriptor->name << " " << module.descriptor->version << " (needs ABI "
                  << module.descriptor->abi_major << "." << module.descriptor->abi_minor << ") "
                  << module.path.lexically_normal().string() << "\n";
        for (std::size_t i = 0; i < module.descriptor->factory_count; ++i) {
            const auto *factory = module.descriptor->factories[i];
            std::cout << "  " << factory->name << "  " << modules::kind_name(factory->kind) << "\n";
        }
    }
}
} // namespace

int run_modules(const CommandLine &command) {
    po::options_description own("modules options");
    auto parsed = parse_command(command, own);
    if (parsed.help) {
        print_command_help("pullcred modules [--config FILE]", own, "pullcred modules");
        return 0;
    }
    auto session = Session::open(command.global);
    if (!session.loaded().ok()) return fail(session.loaded().summary());
    const auto &discovery = session.discovery();
    print_modules(discovery.registry);
    std::cout << std::flush;
    return discovery.problems.empty() ? 0 : 1;
}

// Lists module files without loading them: --version stays as cheap as a
// process start. `pullcred modules` loads them and shows their factories.
int print_version() {
    std::cout << "pullcred " << PULLCRED_VERSION << " (module ABI " << PULLCRED_ABI_MAJOR << "."
              << PULLCRED_ABI_MINOR << ")\n";
    const auto directory = modules::default_module_dir().lexically_normal();
    std::cout << "modules in " << directory.string() << ":";
    for (const auto &path : modules::module_files(directory)) std::cout << " " << path.filename().string();
    std::cout << std::endl;
    return 0;
}

} // namespace pullcred::cli
