// Helpers for the HTTP tests: the scripted Python server (test_server.py),
// libpullcred-net.so loaded as the host loads it, and a C-ABI call wrapper
// that collects the response.
#pragma once

#include "http/net_services.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pullcred::net::testing {

// Starts test_server.py in a fresh temporary directory; stops it (and
// removes the directory) on destruction.
class TestServer {
public:
    TestServer();
    ~TestServer();
    TestServer(const TestServer &) = delete;
    TestServer &operator=(const TestServer &) = delete;

    [[nodiscard]] std::string https_url(const std::string &path) const;
    [[nodiscard]] std::string http_url(const std::string &path) const;
    [[nodiscard]] std::string proxy_url() const;
    [[nodiscard]] std::uint16_t proxy_port() const { return proxy_port_; }
    [[nodiscard]] std::string ca_file() const { return dir_ + "/ca.pem"; }
    [[nodiscard]] std::string other_ca_file() const { return dir_ + "/other-ca.pem"; }

private:
    std::string dir_;
    int pid_ = -1;
    int stdin_fd_ = -1;
    std::uint16_t https_port_ = 0;
    std::uint16_t http_port_ = 0;
    std::uint16_t proxy_port_ = 0;
};

// A TCP port on 127.0.0.1 that nothing listens on (bound, then closed).
std::uint16_t unused_port();

// pullcred_net_services() from libpullcred-net.so (dlopen, RTLD_LOCAL).
NetServices &net_services();

struct Request {
    std::string method = "GET";
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::uint32_t flags = 0;
    std::string ca_bundle;
};

struct Outcome {
    pullcred_status status = -1;
    int http_status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string error;
    std::chrono::milliseconds elapsed{0};

    // The first header of that name (case-insensitive); nullopt when absent.
    [[nodiscard]] std::optional<std::string> header(const std::string &name) const;
    // The X-Attempt header as a number (0 when absent).
    [[nodiscard]] int attempt() const;
};

// Calls NetServices::http through the C ABI.
Outcome call(const Request &request, const HttpPolicy &policy);

// A policy with short attempts, no deadline, 4 attempts.
HttpPolicy quick_policy();

// Milliseconds since the Unix epoch.
std::int64_t now_unix_ms();

// Unsets every variable the client reads (proxies, AWS_CA_BUNDLE,
// AWS_MAX_ATTEMPTS), so that the caller's environment cannot leak in.
void clear_network_environment();

} // namespace pullcred::net::testing
