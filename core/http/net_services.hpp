// The network half of the host services: HTTP over libcurl and SigV4 over
// OpenSSL. It lives in libpullcred-net.so, which the host loads the first
// time a module asks for the network (see lazy_net.hpp), so that a cache hit
// never pays for loading libcurl, OpenSSL and their dependencies.
#pragma once

#include <chrono>
#include <cstdint>
#include <pullcred/module.h>
#include <string>
#include <vector>

namespace pullcred::net {

struct HttpPolicy {
    // The host's clock (util/clock.hpp): deadline_unix_ms and Retry-After
    // dates are read against it. nullptr: the system's real-time clock.
    std::int64_t (*now_unix_ms)() = nullptr;
    std::int64_t deadline_unix_ms = 0;     // never retry or wait past this
    std::chrono::milliseconds deadline{0}; // settings.deadline, named in errors (0: what was left)
    std::chrono::milliseconds attempt_timeout{10000};
    int max_attempts = 4;  // AWS_MAX_ATTEMPTS overrides
    std::string ca_bundle; // default CA file; AWS_CA_BUNDLE overrides
    // The system's CAs, used without a CA file: looked up in the directory by
    // subject hash, else in the first bundle file that exists, where the
    // distributions put it (tests point elsewhere).
    std::string system_ca_directory = "/etc/ssl/certs";
    std::vector<std::string> system_ca_bundles = {
        "/etc/ssl/certs/ca-certificates.crt",                // Debian, Ubuntu, Alpine
        "/etc/pki/tls/certs/ca-bundle.crt",                  // RHEL, Fedora, Amazon Linux
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // RHEL 7 and later
        "/etc/ssl/ca-bundle.pem",                            // SUSE
        "/etc/ssl/cert.pem",                                 // Alpine without ca-certificates
    };
};

class NetServices {
public:
    virtual ~NetServices() = default;
    virtual pullcred_status http(const pullcred_http_request *request, pullcred_http_response_sink *out,
                                 pullcred_text_sink *error, const HttpPolicy &policy) = 0;
    virtual pullcred_status sign_sigv4(const pullcred_http_request *request,
                                       const pullcred_sigv4_params *params, pullcred_header_sink *out,
                                       pullcred_text_sink *error, std::int64_t now_unix_ms) = 0;
};

// The one symbol libpullcred-net.so exports.
inline constexpr const char *kNetServicesSymbol = "pullcred_net_services";
using NetServicesEntry = NetServices *();

} // namespace pullcred::net
