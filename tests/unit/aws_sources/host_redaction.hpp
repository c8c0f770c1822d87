// What the host does as it starts (cli/program.cpp): the
// secrets the sources read go to its one redaction path.
#pragma once

#include "aws/sources/secrets.hpp"
#include "log/redact.hpp"

inline void use_host_redaction() {
    pullcred::aws::sources::report_secrets_to(&pullcred::log::register_secret);
}
