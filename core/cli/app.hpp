#pragma once

namespace pullcred::cli {

// Parses the command line and runs one command; returns the exit code.
int run(int argc, char **argv);

} // namespace pullcred::cli
