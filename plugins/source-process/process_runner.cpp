#include "process_runner.hpp"

#include "command/program_search.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <string_view>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>

// Raw system calls, not the glibc wrappers: the node bundle also runs on
// hosts whose glibc predates close_range() and pidfd_open(). Both numbers
// are the same on every Linux architecture (the unified syscall table).
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

extern char **environ; // NOLINT(readability-redundant-declaration)

namespace pullcred_process {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;
    Fd(Fd &&other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd &operator=(Fd &&other) noexcept {
        if (this != &other) {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    ~Fd() { reset(); }

    [[nodiscard]] int get() const { return fd_; }
    [[nodiscard]] bool valid() const { return fd_ >= 0; }
    void reset(int fd = -1) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

// A descriptor numbered 3 or above (close-on-exec), so that the child's
// dup2 onto 0, 1 and 2 never clobbers another of its descriptors.
bool above_stdio(Fd &fd) {
    if (fd.get() > 2) return true;
    const int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3);
    if (moved < 0) return false;
    fd.reset(moved);
    return true;
}

bool make_pipe(Fd &read_end, Fd &write_end) {
    std::array<int, 2> fds{};
    if (::pipe2(fds.data(), O_CLOEXEC) != 0) return false;
    read_end.reset(fds[0]);
    write_end.reset(fds[1]);
    return above_stdio(read_end) && above_stdio(write_end);
}

struct ExecFailure {
    int error = 0;
    int candidate = 0;
};

// Everything the child needs, prepared before fork: between fork and execve
// the child only makes async-signal-safe calls (no allocation, no locks).
struct ChildPlan {
    std::vector<const char *> argv;
    std::vector<const char *> paths;
    char **envp = nullptr;
    int stdin_fd = -1;
    int stdout_fd = -1;
    int stderr_fd = -1;
    int report_fd = -1;
    int go_fd = -1; // end of file once the keeper is in the group
    int go_write_fd = -1;
    int max_fd = 0;
    pid_t parent = 0; // pullcred, recorded before fork
};

void close_from(unsigned first, unsigned last, int max_fd) noexcept {
    if (first > last) return;
    if (::syscall(SYS_close_range, first, last, 0U) == 0) return;
    for (auto fd = static_cast<long>(first); fd <= static_cast<long>(last) && fd < max_fd; ++fd)
        ::close(static_cast<int>(fd));
}

// The keeper: a forked copy of pullcred that joins the command's process
// group and waits for end of file on a pipe whose write end only pullcred
// holds. However pullcred goes (returns, exits, crashes, SIGTERM, SIGKILL),
// that end closes and the keeper kills the whole group, itself included.
// Between fork and _exit it makes only async-signal-safe calls.
[[noreturn]] void keeper_main(pid_t pgid, int watch_fd, int max_fd) noexcept {
    if (::setpgid(0, pgid) != 0) ::_exit(1); // never kill(0) outside the command's group
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN; // NOLINT(cppcoreguidelines-pro-type-union-access)
    sigemptyset(&ignore.sa_mask);
    for (const int sig :
         {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE, SIGUSR1, SIGUSR2, SIGALRM, SIGTSTP, SIGTTIN, SIGTTOU})
        ::sigaction(sig, &ignore, nullptr);
    // Nothing but the watched pipe: no stdio, no other run's pipes.
    if (watch_fd > 0) close_from(0U, static_cast<unsigned>(watch_fd) - 1, max_fd);
    close_from(static_cast<unsigned>(watch_fd) + 1, ~0U, max_fd);
    char byte = 0;
    for (;;) {
        const auto n = ::read(watch_fd, &byte, 1);
        if (n == 0 || (n < 0 && errno != EINTR)) break;
    }
    ::kill(0, SIGKILL);
    ::_exit(0);
}

// Owns the keeper: ending the scope kills the command's process group and
// reaps the keeper. The keeper is a member until then, so the group id (the
// command's pid) stays taken: the group killed is always the command's.
class Keeper {
public:
    Keeper() = default;
    Keeper(const Keeper &) = delete;
    Keeper &operator=(const Keeper &) = delete;
    ~Keeper() {
        if (pid_ <= 0) return;
        ::kill(-pgid_, SIGKILL);
        release_.reset(); // a keeper outside the group (setpgid failed) has exited already

        while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
        }
    }

    // Starts the keeper in process group `pgid`; false with errno set when
    // the pipe, the fork or setpgid failed.
    bool start(pid_t pgid, int max_fd) {
        Fd watch;
        if (!make_pipe(watch, release_)) return false;
        const pid_t pid = ::fork();
        if (pid < 0) return false;
        if (pid == 0) keeper_main(pgid, watch.get(), max_fd);
        pid_ = pid;
        pgid_ = pgid;
        return ::setpgid(pid, pgid) == 0; // also in the keeper: whichever runs first
    }

private:
    pid_t pid_ = 0;
    pid_t pgid_ = 0;
    Fd release_;
};

[[noreturn]] void child_main(const ChildPlan &plan) noexcept {
    ::setpgid(0, 0);
    // Dies with the thread that forked it, which waits for it in
    // run_process; the keeper covers what it starts.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != plan.parent) ::_exit(127); // pullcred died before prctl
    ::close(plan.go_write_fd);
    // Were pullcred gone meanwhile, the parent-death signal has ended us.
    char ignored = 0;
    while (::read(plan.go_fd, &ignored, 1) != 0 && errno == EINTR) {
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL; // NOLINT(cppcoreguidelines-pro-type-union-access)
    sigemptyset(&default_action.sa_mask);
    for (int sig = 1; sig < NSIG; ++sig) {
        if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &default_action, nullptr);
    }
    ExecFailure failure;
    if (::dup2(plan.stdin_fd, 0) < 0 || ::dup2(plan.stdout_fd, 1) < 0 || ::dup2(plan.stderr_fd, 2) < 0) {
        failure.error = errno;
        failure.candidate = -1;
    } else {
        // Nothing but 0, 1 and 2 reaches the program (the report pipe is
        // close-on-exec already).
        if (::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
            for (int fd = 3; fd < plan.max_fd; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
        }
        bool denied = false;
        int denied_at = 0;
        failure.error = ENOENT;
        for (std::size_t i = 0; i < plan.paths.size(); ++i) {
            ::execve(plan.paths[i], const_cast<char *const *>(plan.argv.data()), plan.envp);
            const int error = errno;
            failure.candidate = static_cast<int>(i);
            if (error == EACCES) {
                if (!denied) denied_at = static_cast<int>(i);
                denied = true;
                continue;
            }
            if (error == ENOENT || error == ENOTDIR || error == ESTALE || error == ENODEV ||
                error == ETIMEDOUT)
                continue;
            failure.error = error;
            break;
        }
        if (failure.error == ENOENT && denied) {
            failure.error = EACCES;
            failure.candidate = denied_at;
        }
    }
    const auto *bytes = reinterpret_cast<const char *>(&failure);
    std::size_t written = 0;
    while (written < sizeof(failure)) {
        const auto n = ::write(plan.report_fd, bytes + written, sizeof(failure) - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        written += static_cast<std::size_t>(n);
    }
    ::_exit(127);
}

int open_files_limit() {
    struct rlimit limit {};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 65536;
    return static_cast<int>(std::min<rlim_t>(limit.rlim_cur, 65536));
}

class Child {
public:
    Child(pid_t pid, Fd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}
    Child(const Child &) = delete;
    Child &operator=(const Child &) = delete;
    ~Child() {
        if (reaped_) return;
        ::kill(pid_, SIGKILL);
        while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
        }
    }

    [[nodiscard]] pid_t pid() const { return pid_; }
    [[nodiscard]] bool reaped() const { return reaped_; }
    [[nodiscard]] int status() const { return status_; }
    [[nodiscard]] int pidfd() const { return pidfd_.get(); }

    // Reaps the child if it has exited; true once it has been reaped.
    bool try_reap() {
        if (reaped_) return true;
        while (true) {
            int status = 0;
            const pid_t got = ::waitpid(pid_, &status, WNOHANG);
            if (got == pid_) {
                status_ = status;
                reaped_ = true;
                pidfd_.reset();
                return true;
            }
            if (got < 0 && errno == EINTR) continue;
            if (got < 0) { // ECHILD: someone else reaped it (SIGCHLD ignored)
                reaped_ = true;
                pidfd_.reset();
                return true;
            }
            return false;
        }
    }

    // Whether the child has exited (without reaping it, so that its pid, and
    // so its process group id, stays reserved).
    [[nodiscard]] bool has_exited() const {
        if (reaped_) return true;
        siginfo_t info{};
        while (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
            if (errno != EINTR) return true;
        }
        return info.si_pid == pid_;
    }

    // Waits up to `limit` for the child to exit, without reaping it.
    bool wait_exit(milliseconds limit) const {
        const auto until = Clock::now() + limit;
        while (!has_exited()) {
            const auto now = Clock::now();
            if (now >= until) return false;
            const auto left = std::chrono::duration_cast<milliseconds>(until - now).count() + 1;
            if (pidfd_.valid()) {
                pollfd one{pidfd_.get(), POLLIN, 0};
                ::poll(&one, 1, static_cast<int>(std::min<long long>(left, 1000)));
            } else {
                std::this_thread::sleep_for(std::min(milliseconds(10), milliseconds(left)));
            }
        }
        return true;
    }

    // Ends the process group: while the child runs, SIGTERM and up to
    // `grace` for it to go; then SIGKILL to the group, then reaps the child.
    void end_group(milliseconds grace) {
        if (!reaped_) {
            signal_group(SIGTERM);
            wait_exit(grace);
        }
        signal_group(SIGKILL);
        if (reaped_) return;
        // A SIGKILLed process goes at once, unless it is stuck in the kernel
        // (uninterruptible I/O); never wait for that forever.
        wait_exit(milliseconds(2000));
        try_reap();
    }

private:
    void signal_group(int sig) const {
        if (::kill(-pid_, sig) != 0 && !reaped_) ::kill(pid_, sig);
    }

    pid_t pid_;
    Fd pidfd_;
    bool reaped_ = false;
    int status_ = 0;
};

struct Stream {
    Fd fd;
    bool open = true;
};

} // namespace

RunResult run_process(const RunOptions &options) {
    const auto started = Clock::now();
    RunResult result;
    auto finish = [&](RunResult &r) -> RunResult {
        r.elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
        return std::move(r);
    };
    auto spawn_failed = [&](const char *operation) {
        result.end = RunResult::End::spawn_failed;
        result.error = errno;
        result.operation = operation;
        return finish(result);
    };
    if (options.argv.empty() || options.argv.front().empty()) {
        result.end = RunResult::End::exec_failed;
        result.error = ENOENT;
        return finish(result);
    }

    Fd out_read;
    Fd out_write;
    Fd err_read;
    Fd err_write;
    Fd report_read;
    Fd report_write;
    Fd go_read;
    Fd go_write;
    if (!make_pipe(out_read, out_write) || !make_pipe(err_read, err_write) ||
        !make_pipe(report_read, report_write) || !make_pipe(go_read, go_write))
        return spawn_failed("pipe");
    Fd null_in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!null_in.valid()) {
        // No /dev/null (a bare chroot): an empty pipe reads as end of file too.
        Fd unused;
        if (!make_pipe(null_in, unused)) return spawn_failed("open /dev/null");
    } else if (!above_stdio(null_in)) {
        return spawn_failed("fcntl");
    }

    const auto paths = pullcred::command::exec_candidates(options.argv.front());
    ChildPlan plan;
    for (const auto &word : options.argv) plan.argv.push_back(word.c_str());
    plan.argv.push_back(nullptr);
    for (const auto &path : paths) plan.paths.push_back(path.c_str());
    plan.envp = environ;
    plan.stdin_fd = null_in.get();
    plan.stdout_fd = out_write.get();
    plan.stderr_fd = err_write.get();
    plan.report_fd = report_write.get();
    plan.go_fd = go_read.get();
    plan.go_write_fd = go_write.get();
    plan.max_fd = open_files_limit();
    plan.parent = ::getpid();

    const pid_t pid = ::fork();
    if (pid < 0) return spawn_failed("fork");
    if (pid == 0) child_main(plan);

    ::setpgid(pid, pid); // also in the child: whichever runs first
    Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0U)));
    Child child(pid, std::move(pidfd));
    out_write.reset();
    err_write.reset();
    report_write.reset();
    null_in.reset();
    go_read.reset();

    // The child waits on the go pipe until the keeper is in its group: from
    // then on nothing it starts can outlive pullcred.
    Keeper keeper;
    if (!keeper.start(pid, plan.max_fd)) {
        const auto error = errno;
        ::kill(pid, SIGKILL);
        go_write.reset();
        child.wait_exit(milliseconds(2000));
        child.try_reap();
        errno = error;
        return spawn_failed("its keeper process");
    }
    go_write.reset();

    // The exec report: end of file when execve succeeded (close-on-exec),
    // an ExecFailure when it did not.
    ExecFailure failure;
    std::size_t got = 0;
    while (got < sizeof(failure)) {
        const auto n =
            ::read(report_read.get(), reinterpret_cast<char *>(&failure) + got, sizeof(failure) - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    report_read.reset();
    if (got == sizeof(failure)) {
        child.wait_exit(milliseconds(2000));
        child.try_reap();
        result.end = RunResult::End::exec_failed;
        result.error = failure.error;
        result.program = failure.candidate >= 0 && static_cast<std::size_t>(failure.candidate) < paths.size()
                             ? paths[static_cast<std::size_t>(failure.candidate)]
                             : options.argv.front();
        return finish(result);
    }

    std::array<Stream, 2> streams{Stream{std::move(out_read)}, Stream{std::move(err_read)}};
    for (auto &stream : streams)
        ::fcntl(stream.fd.get(), F_SETFL, ::fcntl(stream.fd.get(), F_GETFL) | O_NONBLOCK);

    const auto deadline = started + options.timeout;
    Clock::time_point linger_until{};
    bool timed_out = false;
    bool too_large = false;
    bool stray_holders = false;
    std::array<char, 65536> buffer{};

    while (true) {
        auto now = Clock::now();
        if (!child.reaped() && child.try_reap()) linger_until = now + options.linger;
        if (child.reaped() && !streams[0].open && !streams[1].open) break;
        if (now >= deadline) {
            (child.reaped() ? stray_holders : timed_out) = true;
            break;
        }
        if (child.reaped() && now >= linger_until) {
            stray_holders = true;
            break;
        }
        auto until = deadline;
        if (child.reaped()) {
            until = std::min(until, linger_until);
        } else if (child.pidfd() < 0) {
            until = std::min(until, now + milliseconds(50)); // no pidfd: look at the child now and then
        }
        std::array<pollfd, 3> fds{};
        std::array<Stream *, 3> owners{};
        nfds_t count = 0;
        for (auto &stream : streams) {
            if (!stream.open) continue;
            fds[count] = {stream.fd.get(), POLLIN, 0};
            owners[count++] = &stream;
        }
        if (!child.reaped() && child.pidfd() >= 0) fds[count++] = {child.pidfd(), POLLIN, 0};
        const auto wait = std::chrono::duration_cast<milliseconds>(until - now).count() + 1;
        const int ready = ::poll(fds.data(), count, static_cast<int>(std::min<long long>(wait, 60'000)));
        if (ready < 0 && errno != EINTR) {
            timed_out = !child.reaped();
            break;
        }
        if (ready <= 0) continue;
        bool activity = false;
        for (nfds_t k = 0; k < count && !too_large; ++k) {
            if (owners[k] == nullptr || fds[k].revents == 0) continue;
            Stream &stream = *owners[k];
            const bool is_out = &stream == &streams[0];
            // Read what is there, a bounded amount per round so that neither
            // stream starves the other.
            for (int round = 0; round < 16; ++round) {
                const auto n = ::read(stream.fd.get(), buffer.data(), buffer.size());
                if (n < 0 && errno == EINTR) continue;
                if (n < 0 && errno == EAGAIN) break; // EWOULDBLOCK is EAGAIN on Linux
                if (n <= 0) {
                    stream.open = false;
                    stream.fd.reset();
                    break;
                }
                activity = true;
                const std::string_view chunk(buffer.data(), static_cast<std::size_t>(n));
                if (is_out) {
                    if (result.out.size() + chunk.size() > options.max_stdout) {
                        too_large = true;
                        break;
                    }
                    result.out.append(chunk);
                } else {
                    result.err_tail.append(chunk);
                    if (result.err_tail.size() > 2 * options.stderr_tail)
                        result.err_tail.erase(0, result.err_tail.size() - options.stderr_tail);
                }
            }
        }
        if (too_large) break;
        if (activity && child.reaped()) linger_until = Clock::now() + options.linger;
    }

    if (timed_out || too_large || stray_holders) child.end_group(options.kill_grace);
    for (auto &stream : streams) stream.fd.reset();
    if (!child.reaped()) {
        child.wait_exit(milliseconds(2000));
        child.try_reap();
    }
    if (result.err_tail.size() > options.stderr_tail)
        result.err_tail.erase(0, result.err_tail.size() - options.stderr_tail);

    if (too_large) {
        result.end = RunResult::End::stdout_too_large;
    } else if (timed_out) {
        result.end = RunResult::End::timed_out;
    } else if (WIFSIGNALED(child.status())) {
        result.end = RunResult::End::signaled;
        result.signal = WTERMSIG(child.status());
    } else {
        result.end = RunResult::End::exited;
        result.exit_code = WIFEXITED(child.status()) ? WEXITSTATUS(child.status()) : 0;
    }
    return finish(result);
}

} // namespace pullcred_process
