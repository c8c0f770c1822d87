// The wall clock. Every part of pullcred-host and the front that asks what
// time it is asks here, so that one setting moves the time for all of them
// (tests; a request reads its own start once, cli/session.hpp).
#pragma once

#include <cstdint>

namespace pullcred::util {

// Nanoseconds since the Unix epoch, from the clock in use.
std::int64_t now_unix_ns();
inline std::int64_t now_unix_ms() {
    return now_unix_ns() / 1'000'000;
}

// Replaces the clock (nullptr: the system's real-time clock again).
void use_clock(std::int64_t (*now_ns)());

} // namespace pullcred::util
