// Loads libpullcred-net.so on first use, from <exe dir>/../lib/pullcred/.
#pragma once

#include "http/net_services.hpp"
#include "util/result.hpp"

namespace pullcred::net {

Result<NetServices *> load_net_services();

} // namespace pullcred::net
