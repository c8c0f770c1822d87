// Go duration strings ("5h", "1h30m", "90s", "0s"), as kubelet writes and
// reads them. pullcred works in whole seconds.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace pullcred {

// sdk::parse_go_duration (Go's time.ParseDuration, negatives refused), in
// whole seconds: sub-second remainders are truncated.
Result<std::chrono::seconds> parse_go_duration(std::string_view text);

// Formats like Go's Duration.String() for whole seconds: "5h59m59s", "0s".
std::string format_go_duration(std::chrono::seconds duration);

} // namespace pullcred
