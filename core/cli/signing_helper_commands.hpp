// The long-running commands of aws_signing_helper: serve (an IMDSv2 endpoint)
// and update (a profile of the AWS credentials file kept fresh).
#pragma once

#include "cli/command.hpp"

namespace pullcred::cli {

int run_signing_helper_serve(const CommandLine &command);
int run_signing_helper_update(const CommandLine &command);

} // namespace pullcred::cli
