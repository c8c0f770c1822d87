// What the host does when it takes the built-in module (cli/session.cpp): the
// secrets the sources read go to its one redaction path.
#pragma once

#include "aws/sources/secrets.hpp"
#include "log/redact.hpp"

inline void use_host_redaction() {
    pullcred::aws::sources::report_secrets_to(&pullcred::log::register_secret);
}
