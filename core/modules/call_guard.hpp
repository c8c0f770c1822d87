// Bounds every call into module code. While a CallGuard lives:
//   - a watchdog thread ends the process if the call outlives its budget (the
//     invocation deadline plus a short grace, so a module that honours the
//     deadline still reports its own error first);
//   - a crash (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT) ends the process.
// Either way pullcred writes one error line naming the module, the instance,
// the factory and the call, and exits 1 without answering: kubelet gets a
// failure inside its own timeout, and nothing half-written reaches the cache
// (entries are renamed into place; flock locks die with the process).
// Outside a module call the crash handler hands the signal to whatever
// handled it before. Sanitizer builds install no crash handler, so their
// reports stay intact. Guards nest (a backend asking the host for a
// profile's credentials); the innermost call is the one named.
#pragma once

#include <cstdint>
#include <string>

// Defined in sanitizer builds, which install no crash handler.
#if defined(__SANITIZE_ADDRESS__)
#define PULLCRED_GUARD_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PULLCRED_GUARD_SANITIZED 1
#endif
#endif

namespace pullcred::modules {

// How long past the deadline a call may run before the watchdog fires.
inline constexpr std::int64_t kCallGraceMs = 2000;

// The budget of a call starting now: to the deadline plus the grace, at least
// the grace. A deadline of 0 or less means none: no watchdog.
std::int64_t call_budget_ms(std::int64_t deadline_unix_ms, std::int64_t now_unix_ms);

class CallGuard {
public:
    // `who` names the instance ("module /x.so: profile p (aws.foo)"), `call`
    // the entry point ("get_credentials"); `budget_ms` < 0: no watchdog.
    CallGuard(const std::string &who, const char *call, std::int64_t budget_ms);
    ~CallGuard();
    CallGuard(const CallGuard &) = delete;
    CallGuard &operator=(const CallGuard &) = delete;

    struct Frame;

private:
    Frame *frame_;
};

} // namespace pullcred::modules
