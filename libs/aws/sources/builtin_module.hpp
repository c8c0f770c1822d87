// The built-in module: the AWS sources compiled into the host, registered and
// driven through the same ABI as every loaded module.
#pragma once

#include <pullcred/module.h>

#include "aws/sources/secrets.hpp"

namespace pullcred::aws::sources {

// `secrets`: where the sources report the secrets they read (the host's redaction).
const pullcred_module *builtin_module(SecretSink secrets);

} // namespace pullcred::aws::sources
