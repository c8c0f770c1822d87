// Runs one command without a shell and collects what it prints, within a
// time limit, on Linux:
//   - the program is found on PATH like execvp does (without execvp's
//     fallback to /bin/sh), and an exec failure (not found, not executable)
//     reaches the parent through a close-on-exec pipe;
//   - the child gets stdin from /dev/null, the parent's environment, default
//     signal dispositions, no other inherited descriptors, SIGKILL as its
//     parent-death signal, and a process group of its own, which a keeper
//     joins before the program starts: a forked copy of pullcred that kills
//     the whole group as soon as pullcred is gone, however it went (even
//     SIGKILL);
//   - stdout and stderr are read together with poll(); stdout is capped,
//     only the tail of stderr is kept;
//   - at the time limit (or past the stdout cap) the whole process group gets
//     SIGTERM, then SIGKILL after a short grace, and the child is reaped;
//   - once the child has exited, whatever still holds its pipes (a
//     grandchild) gets a short linger, so nothing ever waits for a stray
//     grandchild;
//   - on return (and on every error path) the group gets SIGKILL: nothing the
//     command started outlives the call, unless it left the process group
//     (setsid, setpgid).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace pullcred_process {

struct RunOptions {
    std::vector<std::string> argv; // argv[0] is the program (a path, or a name looked up on PATH)
    std::chrono::milliseconds timeout{30'000};
    std::size_t max_stdout = std::size_t{1024} * 1024;
    std::size_t stderr_tail = 4096;
    std::chrono::milliseconds kill_grace{500};
    std::chrono::milliseconds linger{500};
};

struct RunResult {
    enum class End {
        exited,           // exit_code
        signaled,         // signal
        timed_out,        // still running at the time limit; stopped
        stdout_too_large, // printed more than max_stdout; stopped
        exec_failed,      // error (errno of execve), program = the path tried
        spawn_failed,     // error (errno of pipe/fork), operation names the call
    };
    End end = End::exited;
    int exit_code = 0;
    int signal = 0;
    int error = 0;
    std::string program;   // exec_failed: the path that execve refused (or argv[0])
    std::string operation; // spawn_failed: the call that failed
    std::string out;       // stdout (at most max_stdout bytes)
    std::string err_tail;  // the last stderr_tail bytes of stderr
    std::chrono::milliseconds elapsed{0};
};

RunResult run_process(const RunOptions &options);

} // namespace pullcred_process
