#include "modules/call_guard.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <unistd.h>
#include <vector>

#include "log/logger.hpp"

namespace pullcred::modules {

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kExitCode = 1;
constexpr std::string_view kSignalMark = "{signal}"; // survives JSON escaping

// One error line in the log format of the invocation, split around the
// signal mark when it has one.
std::string error_line(const std::string &message) {
    std::string line;
    if (log::settings().format == log::Format::json)
        line = nlohmann::json{{"level", "error"}, {"msg", message}}.dump(
            -1, ' ', false, nlohmann::json::error_handler_t::replace);
    else
        line = "pullcred: error: " + message;
    for (auto &c : line)
        if (c == '\n' || c == '\r') c = ' ';
    return line + '\n';
}

void write_all(const char *data, std::size_t size) {
    while (size > 0) {
        const auto written = ::write(STDERR_FILENO, data, size);
        if (written <= 0) return;
        data += written;
        size -= static_cast<std::size_t>(written);
    }
}

// ---- crash handler: reads only these statics ----

struct CrashSlot {
    std::array<char, 768> prefix{};
    std::array<char, 128> suffix{};
};
constexpr std::size_t kMaxDepth = 16;
std::array<CrashSlot, kMaxDepth> g_slots;
std::atomic<int> g_depth{0};
constexpr std::array kCrashSignals{SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
std::array<struct sigaction, kCrashSignals.size()> g_previous{};

const char *signal_name(int signal) {
    switch (signal) {
    case SIGSEGV:
        return "SIGSEGV";
    case SIGBUS:
        return "SIGBUS";
    case SIGILL:
        return "SIGILL";
    case SIGFPE:
        return "SIGFPE";
    default:
        return "SIGABRT";
    }
}

void append(char *buffer, std::size_t &used, std::size_t capacity, const char *text) {
    const auto size = std::strlen(text);
    const auto room = capacity - used;
    const auto n = size < room ? size : room;
    std::memcpy(buffer + used, text, n);
    used += n;
}

extern "C" void on_crash(int signal, siginfo_t * /*info*/, void * /*context*/) {
    const int depth = g_depth.load();
    if (depth > 0) {
        const auto &slot = g_slots[static_cast<std::size_t>(
            depth > static_cast<int>(kMaxDepth) ? static_cast<int>(kMaxDepth) - 1 : depth - 1)];
        std::array<char, 1024> line{};
        std::size_t used = 0;
        append(line.data(), used, line.size(), slot.prefix.data());
        append(line.data(), used, line.size(), signal_name(signal));
        append(line.data(), used, line.size(), slot.suffix.data());
        write_all(line.data(), used);
        ::_exit(kExitCode);
    }
    // Not ours: restore what handled the signal before and let it happen again.
    for (std::size_t i = 0; i < kCrashSignals.size(); ++i)
        if (kCrashSignals[i] == signal) (void)::sigaction(signal, &g_previous[i], nullptr);
    (void)::raise(signal);
}

#ifndef PULLCRED_GUARD_SANITIZED
void install_alternate_stack() {
    thread_local bool done = false;
    if (done) return;
    done = true;
    stack_t current{};
    if (::sigaltstack(nullptr, &current) == 0 && (current.ss_flags & SS_DISABLE) == 0) return;
    constexpr std::size_t kSize = 64 * 1024;
    stack_t stack{};
    stack.ss_sp = new char[kSize]; // lives as long as the thread may crash
    stack.ss_size = kSize;
    (void)::sigaltstack(&stack, nullptr);
}

void install_crash_handler() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction action {};
        action.sa_sigaction = &on_crash;
        action.sa_flags = SA_SIGINFO | SA_ONSTACK;
        sigemptyset(&action.sa_mask);
        for (std::size_t i = 0; i < kCrashSignals.size(); ++i)
            ::sigaction(kCrashSignals[i], &action, &g_previous[i]);
    });
    install_alternate_stack();
}
#else
// The sanitizer's own handler reports a module's crash with its stack.
void install_crash_handler() {}
#endif

void copy_into(char *out, std::size_t capacity, std::string_view text) {
    const auto n = text.size() < capacity - 1 ? text.size() : capacity - 1;
    std::memcpy(out, text.data(), n);
    out[n] = '\0';
}

} // namespace

// ---- watchdog ----

struct CallGuard::Frame {
    std::string who;
    const char *call;
    Clock::time_point started;
    Clock::time_point until;
    bool watched;
};

namespace {

struct Watchdog {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<CallGuard::Frame *> frames;
    bool running = false;
};

Watchdog &watchdog() {
    static auto *instance = new Watchdog; // never destroyed: its thread may outlive main
    return *instance;
}

[[noreturn]] void give_up(const CallGuard::Frame &frame) {
    const auto waited = std::chrono::duration<double>(Clock::now() - frame.started).count();
    char seconds[32];
    (void)std::snprintf(seconds, sizeof seconds, "%.1f", waited);
    const auto line = error_line(frame.who + " did not answer " + frame.call + " within " + seconds +
                                 " s (settings.deadline + " + std::to_string(kCallGraceMs / 1000) +
                                 " s); pullcred gave up");
    write_all(line.data(), line.size());
    ::_exit(kExitCode);
}

void watch(Watchdog &state) {
    std::unique_lock lock(state.mutex);
    for (;;) {
        const CallGuard::Frame *first = nullptr;
        for (const auto *frame : state.frames)
            if (frame->watched && (first == nullptr || frame->until < first->until)) first = frame;
        if (first == nullptr) {
            state.changed.wait(lock);
            continue;
        }
        if (Clock::now() >= first->until) give_up(*state.frames.back());
        const auto until = first->until; // the frame may be gone once the lock is released
        state.changed.wait_until(lock, until);
    }
}

void start_watchdog(Watchdog &state) {
    if (state.running) return;
    try {
        std::thread(watch, std::ref(state)).detach();
        state.running = true;
    } catch (const std::system_error &e) {
        log::warn(std::string("module calls run without a watchdog: cannot start its thread: ") + e.what());
    }
}

} // namespace

std::int64_t call_budget_ms(std::int64_t deadline_unix_ms, std::int64_t now_unix_ms) {
    if (deadline_unix_ms <= 0) return -1;
    const auto remaining = deadline_unix_ms - now_unix_ms;
    return (remaining > 0 ? remaining : 0) + kCallGraceMs;
}

CallGuard::CallGuard(const std::string &who, const char *call, std::int64_t budget_ms) {
    const auto now = Clock::now();
    frame_ = new Frame{who, call, now, now + std::chrono::milliseconds(budget_ms < 0 ? 0 : budget_ms),
                       budget_ms >= 0};

    install_crash_handler();
    const int depth = g_depth.load();
    if (depth < static_cast<int>(kMaxDepth)) {
        const auto line =
            error_line(who + " crashed in " + call + " (" + std::string(kSignalMark) + "); pullcred gave up");
        const auto mark = line.rfind(kSignalMark);
        auto &slot = g_slots[static_cast<std::size_t>(depth)];
        copy_into(slot.prefix.data(), slot.prefix.size(), std::string_view(line).substr(0, mark));
        copy_into(slot.suffix.data(), slot.suffix.size(),
                  std::string_view(line).substr(mark + kSignalMark.size()));
    }
    g_depth.store(depth + 1);

    auto &state = watchdog();
    const std::lock_guard lock(state.mutex);
    if (frame_->watched) start_watchdog(state);
    state.frames.push_back(frame_);
    state.changed.notify_all();
}

CallGuard::~CallGuard() {
    auto &state = watchdog();
    {
        const std::lock_guard lock(state.mutex);
        std::erase(state.frames, frame_);
        state.changed.notify_all();
    }
    g_depth.store(g_depth.load() - 1);
    delete frame_;
}

} // namespace pullcred::modules
