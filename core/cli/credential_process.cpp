#include "cli/command.hpp"

namespace pullcred::cli {

int run_credential_process(const CommandLine & /*command*/) {
    return fail("credential-process is not available in this build yet");
}

} // namespace pullcred::cli
