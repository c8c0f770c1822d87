// Go duration strings ("5h", "1h30m", "90s", "300ms", "0s"), as kubelet writes
// and reads them.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace pullcred {

// sdk::parse_go_duration (Go's time.ParseDuration, negatives refused), in
// whole seconds: sub-second remainders are truncated.
Result<std::chrono::seconds> parse_go_duration(std::string_view text);
// The same, exact to the nanosecond.
Result<std::chrono::nanoseconds> parse_go_duration_exact(std::string_view text);

// Formats like Go's Duration.String(): "5h59m59s", "1.5s", "300ms", "0s";
// negatives as "0s".
std::string format_go_duration(std::chrono::nanoseconds duration);

} // namespace pullcred
