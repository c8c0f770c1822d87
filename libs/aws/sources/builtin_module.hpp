// The built-in module: the AWS sources compiled into the host, registered and
// driven through the same ABI as every loaded module.
#pragma once

#include <pullcred/module.h>

namespace pullcred::aws::sources {

const pullcred_module *builtin_module();

} // namespace pullcred::aws::sources
