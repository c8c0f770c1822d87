#include "test_support.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <filesystem>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ; // NOLINT(readability-redundant-declaration)

namespace pullcred::net::testing {
namespace {

[[noreturn]] void fail(const std::string &what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

std::string read_line(int fd, std::chrono::milliseconds timeout) {
    std::string line;
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (line.empty() || line.back() != '\n') {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        if (left.count() <= 0) throw std::runtime_error("test_server.py did not start in time");
        pollfd poll_fd{fd, POLLIN, 0};
        if (::poll(&poll_fd, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) fail("poll");
        if ((poll_fd.revents & (POLLIN | POLLHUP)) == 0) continue;
        char c = 0;
        const auto got = ::read(fd, &c, 1);
        if (got == 0) throw std::runtime_error("test_server.py exited before printing its ports");
        if (got < 0 && errno != EINTR) fail("read");
        if (got == 1) line.push_back(c);
    }
    return line;
}

} // namespace

TestServer::TestServer() {
    std::string pattern = (std::filesystem::temp_directory_path() / "pullcred-http-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) fail("mkdtemp");
    dir_ = pattern;

    int in_pipe[2];
    int out_pipe[2];
    if (::pipe2(in_pipe, O_CLOEXEC) != 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0) fail("pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    std::string python = PULLCRED_PYTHON;
    std::string script = HTTP_TEST_SERVER_SCRIPT;
    char *argv[] = {python.data(), script.data(), dir_.data(), nullptr};
    pid_t pid = 0;
    const int spawned = ::posix_spawn(&pid, python.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    if (spawned != 0) {
        errno = spawned;
        fail("cannot start " + python);
    }
    pid_ = pid;
    stdin_fd_ = in_pipe[1];
    const std::string line = read_line(out_pipe[0], std::chrono::seconds(20));
    ::close(out_pipe[0]);
    const auto ports = nlohmann::json::parse(line);
    https_port_ = ports.at("https").get<std::uint16_t>();
    http_port_ = ports.at("http").get<std::uint16_t>();
    proxy_port_ = ports.at("proxy").get<std::uint16_t>();
}

TestServer::~TestServer() {
    if (stdin_fd_ >= 0) ::close(stdin_fd_); // the server exits when its stdin closes
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

std::string TestServer::https_url(const std::string &path) const {
    return "https://127.0.0.1:" + std::to_string(https_port_) + path;
}

std::string TestServer::http_url(const std::string &path) const {
    return "http://127.0.0.1:" + std::to_string(http_port_) + path;
}

std::string TestServer::proxy_url() const {
    return "http://127.0.0.1:" + std::to_string(proxy_port_);
}

std::uint16_t unused_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fail("socket");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&address), size) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &size) != 0) {
        ::close(fd);
        fail("bind");
    }
    ::close(fd);
    return ntohs(address.sin_port);
}

NetServices &net_services() {
    static NetServices *services = [] {
        void *library = ::dlopen(PULLCRED_NET_LIBRARY, RTLD_NOW | RTLD_LOCAL);
        if (library == nullptr) throw std::runtime_error(std::string("dlopen: ") + ::dlerror());
        void *entry = ::dlsym(library, kNetServicesSymbol);
        if (entry == nullptr) throw std::runtime_error(std::string("dlsym: ") + ::dlerror());
        NetServices *loaded = reinterpret_cast<NetServicesEntry *>(entry)();
        if (loaded == nullptr) throw std::runtime_error("pullcred_net_services() returned NULL");
        return loaded;
    }();
    return *services;
}

std::optional<std::string> Outcome::header(const std::string &name) const {
    auto lower = [](std::string text) {
        for (char &c : text) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        return text;
    };
    for (const auto &[key, value] : headers) {
        if (lower(key) == lower(name)) return value;
    }
    return std::nullopt;
}

int Outcome::attempt() const {
    const auto value = header("X-Attempt");
    return value ? std::atoi(value->c_str()) : 0;
}

Outcome call(const Request &request, const HttpPolicy &policy) {
    auto str = [](const std::string &text) { return pullcred_str{text.data(), text.size()}; };
    std::vector<pullcred_http_header> headers;
    headers.reserve(request.headers.size());
    for (const auto &[name, value] : request.headers) headers.push_back({str(name), str(value)});
    pullcred_http_request c_request{sizeof(pullcred_http_request),
                                    str(request.method),
                                    str(request.url),
                                    headers.data(),
                                    headers.size(),
                                    str(request.body),
                                    request.flags,
                                    str(request.ca_bundle)};

    Outcome outcome;
    pullcred_http_response_sink sink{
        sizeof(pullcred_http_response_sink), &outcome,
        [](void *ctx, std::int32_t code) { static_cast<Outcome *>(ctx)->http_status = code; },
        [](void *ctx, pullcred_str name, pullcred_str value) {
            static_cast<Outcome *>(ctx)->headers.emplace_back(std::string(name.ptr, name.len),
                                                              std::string(value.ptr, value.len));
        },
        [](void *ctx, pullcred_str chunk) {
            static_cast<Outcome *>(ctx)->body.append(chunk.ptr, chunk.len);
        }};
    pullcred_text_sink error{&outcome, [](void *ctx, pullcred_str text) {
                                 static_cast<Outcome *>(ctx)->error.append(text.ptr, text.len);
                             }};
    const auto start = std::chrono::steady_clock::now();
    outcome.status = net_services().http(&c_request, &sink, &error, policy);
    outcome.elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    return outcome;
}

HttpPolicy quick_policy() {
    HttpPolicy policy;
    policy.attempt_timeout = std::chrono::milliseconds(5000);
    policy.max_attempts = 4;
    return policy;
}

std::int64_t now_unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void clear_network_environment() {
    for (const char *name : {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy",
                             "ALL_PROXY", "all_proxy", "AWS_CA_BUNDLE", "AWS_MAX_ATTEMPTS"}) {
        ::unsetenv(name);
    }
}

} // namespace pullcred::net::testing
