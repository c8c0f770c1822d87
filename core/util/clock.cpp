#include "util/clock.hpp"

#include <atomic>
#include <ctime>

namespace pullcred::util {

namespace {
std::int64_t system_now_ns() {
    struct timespec now {};
    ::clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

std::atomic<std::int64_t (*)()> clock_in_use{&system_now_ns};
} // namespace

std::int64_t now_unix_ns() {
    return clock_in_use.load(std::memory_order_relaxed)();
}

void use_clock(std::int64_t (*now_ns)()) {
    clock_in_use.store(now_ns == nullptr ? &system_now_ns : now_ns, std::memory_order_relaxed);
}

} // namespace pullcred::util
