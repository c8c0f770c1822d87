#include "node/host_command.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/unique_fd.hpp"

namespace pullcred::node {

namespace {

struct Namespace {
    const char *name;
    int type;
};

// The mount namespace last: joining it changes what /proc and PATH resolve to.
constexpr std::array<Namespace, 5> kHostNamespaces{{{"ipc", CLONE_NEWIPC},
                                                    {"uts", CLONE_NEWUTS},
                                                    {"net", CLONE_NEWNET},
                                                    {"pid", CLONE_NEWPID},
                                                    {"mnt", CLONE_NEWNS}}};

bool same_namespace(int host, const std::string &ours) {
    struct stat a {};
    struct stat b {};
    return ::fstat(host, &a) == 0 && ::stat(ours.c_str(), &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

// In the child: a failure is written to `report` and the child exits 127.
[[noreturn]] void fail_in_child(int report, const std::string &what) {
    const auto text = what + ": " + std::strerror(errno);
    [[maybe_unused]] const auto written = ::write(report, text.data(), text.size());
    ::_exit(127);
}

int wait_for(pid_t child) {
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

[[noreturn]] void run_child(const std::vector<std::string> &argv, int host_pid, int report) {
    const auto host_ns = "/proc/" + std::to_string(host_pid) + "/ns/";
    std::array<int, kHostNamespaces.size()> fds{};
    bool joined_pid = false;
    for (std::size_t i = 0; i < kHostNamespaces.size(); ++i) {
        const std::string name = kHostNamespaces[i].name;
        const auto host_path = host_ns + name;
        fds[i] = ::open(host_path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fds[i] < 0) fail_in_child(report, "open " + host_path);
        if (same_namespace(fds[i], "/proc/self/ns/" + name)) {
            ::close(fds[i]);
            fds[i] = -1;
        }
    }
    for (std::size_t i = 0; i < kHostNamespaces.size(); ++i) {
        if (fds[i] < 0) continue;
        if (::setns(fds[i], kHostNamespaces[i].type) != 0)
            fail_in_child(report, std::string("join the host's ") + kHostNamespaces[i].name + " namespace");
        joined_pid = joined_pid || kHostNamespaces[i].type == CLONE_NEWPID;
        ::close(fds[i]);
    }
    // A joined PID namespace applies to children only: run the command in one.
    if (joined_pid) {
        const pid_t inner = ::fork();
        if (inner < 0) fail_in_child(report, "fork");
        if (inner > 0) {
            ::close(report);
            const int status = wait_for(inner);
            ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        }
    }
    std::vector<char *> args;
    args.reserve(argv.size() + 1);
    for (const auto &arg : argv) args.push_back(const_cast<char *>(arg.c_str())); // NOLINT
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    fail_in_child(report, "run " + argv[0]);
}

} // namespace

Status run_on_host(const std::vector<std::string> &argv, int host_pid) {
    if (argv.empty()) return Error::failed("empty command");
    std::string shown;
    for (const auto &arg : argv) shown += (shown.empty() ? "" : " ") + arg;
    std::array<int, 2> pipe_fds{};
    if (::pipe2(pipe_fds.data(), O_CLOEXEC) != 0)
        return Error::failed("`" + shown + "`: pipe: " + std::strerror(errno));
    UniqueFd read_end(pipe_fds[0]);
    const pid_t child = ::fork();
    if (child < 0) {
        ::close(pipe_fds[1]);
        return Error::failed("`" + shown + "`: fork: " + std::strerror(errno));
    }
    if (child == 0) run_child(argv, host_pid, pipe_fds[1]);
    ::close(pipe_fds[1]);
    std::string report;
    std::array<char, 512> buffer{};
    for (;;) {
        const auto got = ::read(read_end.get(), buffer.data(), buffer.size());
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        report.append(buffer.data(), static_cast<std::size_t>(got));
    }
    const int status = wait_for(child);
    if (!report.empty())
        return Error::failed("`" + shown + "` could not run on the host: " + report +
                             " (the installer needs a privileged pod with hostPID, or --host-pid)");
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return ok();
    if (WIFEXITED(status))
        return Error::failed("`" + shown + "` exited with status " + std::to_string(WEXITSTATUS(status)));
    return Error::failed("`" + shown + "` was killed by signal " + std::to_string(WTERMSIG(status)));
}

} // namespace pullcred::node
