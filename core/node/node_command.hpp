// `pullcred node install|uninstall`, run by pullcred-node (node/main.cpp).
#pragma once

#include "cli/command.hpp"

namespace pullcred::cli {

int run_node(const CommandLine &command);

} // namespace pullcred::cli
