// A get-credentials request answered from the cache, exactly as the host
// would answer it, or nothing when the host is needed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pullcred::front {

// The response bytes when every step is certain: the request parses, the
// config file reads and builds, its stamp says this text passed the schema
// (cache/config_stamp.hpp), a rule matches and its cache entry is fresh. The
// host would log nothing on this path at the default level (info).
std::optional<std::string> answer_hit(std::string_view input, const std::string &config_flag);

} // namespace pullcred::front
