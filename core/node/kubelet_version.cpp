#include "node/kubelet_version.hpp"

#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace pullcred::node {

namespace fs = std::filesystem;

namespace {
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// Reads digits at `pos`; -1 when none.
int read_number(std::string_view text, std::size_t &pos) {
    if (pos >= text.size() || !is_digit(text[pos])) return -1;
    int value = 0;
    while (pos < text.size() && is_digit(text[pos])) {
        if (value > 100000) return -1;
        value = value * 10 + (text[pos] - '0');
        ++pos;
    }
    return value;
}
} // namespace

std::optional<KubeletVersion> parse_kubelet_version(std::string_view text) {
    for (std::size_t start = 0; start < text.size(); ++start) {
        if (!is_digit(text[start])) continue;
        if (start > 0 && (is_digit(text[start - 1]) || text[start - 1] == '.')) continue;
        std::size_t pos = start;
        KubeletVersion version;
        version.major = read_number(text, pos);
        if (pos >= text.size() || text[pos] != '.') continue;
        ++pos;
        version.minor = read_number(text, pos);
        if (version.minor < 0) continue;
        if (pos < text.size() && text[pos] == '.') {
            ++pos;
            version.patch = read_number(text, pos);
            if (version.patch < 0) version.patch = 0;
        }
        if (version.major != 1) continue; // only Kubernetes 1.x exists
        return version;
    }
    return std::nullopt;
}

Result<ProviderApi> provider_api_for(const std::optional<KubeletVersion> &version, std::string_view seen) {
    auto api = [](std::string_view v, std::string warning = {}) {
        return ProviderApi{"kubelet.config.k8s.io/" + std::string(v),
                           "credentialprovider.kubelet.k8s.io/" + std::string(v), std::move(warning)};
    };
    if (!version)
        return api("v1", "kubelet version unknown (" + std::string(seen) +
                             "): using credential provider API v1, which every supported Kubernetes (1.26+) "
                             "speaks; pass --kubelet-version or --provider-api-version to choose");
    const auto name = std::to_string(version->major) + "." + std::to_string(version->minor);
    if (version->minor >= 26) return api("v1");
    if (version->minor >= 24) return api("v1beta1");
    if (version->minor >= 20)
        return api("v1alpha1",
                   "kubelet " + name +
                       " needs feature gate KubeletCredentialProviders=true for credential providers; "
                       "pullcred does not add feature gates (a removed gate stops kubelet on upgrade)");
    return Error::failed(
        "kubelet " + name +
        " predates image credential providers (1.20+): its flags would stop kubelet from starting");
}

Result<std::string> run_version_command(const fs::path &binary, int timeout_seconds) {
    std::array<int, 2> pipe_fds{};
    if (::pipe2(pipe_fds.data(), O_CLOEXEC) != 0)
        return Error::failed(std::string("pipe: ") + std::strerror(errno));
    const pid_t child = ::fork();
    if (child < 0) {
        ::close(pipe_fds[0]);
        ::close(pipe_fds[1]);
        return Error::failed(std::string("fork: ") + std::strerror(errno));
    }
    if (child == 0) {
        ::dup2(pipe_fds[1], 1);
        const int null_fd = ::open("/dev/null", O_RDWR);
        if (null_fd >= 0) {
            ::dup2(null_fd, 0);
            ::dup2(null_fd, 2);
        }
        const std::string path = binary.string();
        const std::array<const char *, 3> argv{path.c_str(), "--version", nullptr};
        ::execv(path.c_str(), const_cast<char *const *>(argv.data())); // NOLINT
        ::_exit(127);
    }
    ::close(pipe_fds[1]);
    std::string output;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
    bool timed_out = false;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            break;
        }
        pollfd poll_fd{pipe_fds[0], POLLIN, 0};
        const int ready = ::poll(&poll_fd, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) {
            timed_out = ready == 0;
            break;
        }
        std::array<char, 4096> buffer{};
        const auto got = ::read(pipe_fds[0], buffer.data(), buffer.size());
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        if (output.size() < 65536) output.append(buffer.data(), static_cast<std::size_t>(got));
    }
    ::close(pipe_fds[0]);
    if (timed_out) ::kill(child, SIGKILL);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (timed_out)
        return Error::failed(binary.string() + " --version: no answer in " + std::to_string(timeout_seconds) +
                             "s");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return Error::failed(binary.string() + " --version failed (status " + std::to_string(status) + ")");
    return output;
}

std::vector<fs::path> kubelet_binary_candidates(const fs::path &host_root, const std::string &preferred) {
    std::vector<fs::path> candidates;
    if (!preferred.empty() && preferred.front() == '/') candidates.push_back(host_root / preferred.substr(1));
    for (const char *path : {"usr/bin/kubelet", "usr/local/bin/kubelet", "opt/bin/kubelet", "bin/kubelet"}) {
        auto candidate = host_root / path;
        if (candidates.empty() || candidates.front() != candidate) candidates.push_back(candidate);
    }
    return candidates;
}

} // namespace pullcred::node
