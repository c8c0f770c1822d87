// The services table (pullcred_host) handed to every module instance:
// logging (redacted), clock, deadline, credentials for a profile or from
// another source, HTTP, SigV4 and the node's inputs. One HostServices per instance, so that logs name the
// factory.
#pragma once

#include <cstdint>
#include <functional>
#include <pullcred/module.h>
#include <pullcred/module.hpp>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "cache/inputs.hpp"
#include "http/net_services.hpp"
#include "util/result.hpp"

namespace pullcred::modules {

// What the host needs from the invocation around it; tests substitute fakes.
struct HostEnvironment {
    std::function<std::int64_t()> now_unix_ms;
    std::int64_t deadline_unix_ms = 0;
    net::HttpPolicy http_policy;
    // Resolves "credentials for profile X" (set by the providers layer).
    std::function<Result<sdk::Credentials>(std::string_view profile, std::string_view region_hint)>
        credentials_for_profile;
    // Runs another credential-source factory for the instance named `caller`
    // that wraps it (set by the providers layer).
    std::function<Result<sdk::Credentials>(std::string_view caller, std::string_view factory,
                                           std::string_view config_json,
                                           const sdk::CredentialsRequest &request)>
        credentials_from_source;
    // Loads the network services on first use.
    std::function<Result<net::NetServices *>()> net_services;
    // Where the input services record what they read; nullptr: nowhere.
    cache::Inputs *inputs = nullptr;
    // Where the HTTP service records the access key ids AWS refused.
    std::set<std::string> *refused_access_keys = nullptr;
};

// Collects what the input services read while it lives, and hands that on
// to the enclosing scope too: what a profile read is also what every answer
// made with its credentials was made from.
class InputScope {
public:
    explicit InputScope(HostEnvironment &environment)
        : environment_(environment), parent_(std::exchange(environment.inputs, &inputs_)) {}
    ~InputScope() {
        environment_.inputs = parent_;
        if (parent_ != nullptr) parent_->merge(inputs_);
    }
    InputScope(const InputScope &) = delete;
    InputScope &operator=(const InputScope &) = delete;

    [[nodiscard]] cache::Inputs &inputs() { return inputs_; }

private:
    HostEnvironment &environment_;
    cache::Inputs *parent_;
    cache::Inputs inputs_;
};

// The environment as modules see it: each variable read is recorded.
std::optional<std::string> recorded_env(const HostEnvironment &environment, const std::string &name);

class HostServices {
public:
    // `component` names the instance ("profile default"), `factory` its factory.
    HostServices(std::string component, std::string_view factory, const HostEnvironment *environment);
    HostServices(const HostServices &) = delete;
    HostServices &operator=(const HostServices &) = delete;

    [[nodiscard]] const pullcred_host *table() const { return &table_; }

private:
    static void log(void *ctx, pullcred_log_level level, pullcred_str message);
    static std::int64_t now_unix_ms(void *ctx);
    static std::int64_t deadline_unix_ms(void *ctx);
    static pullcred_status credentials_for_profile(void *ctx, const pullcred_credentials_request *request,
                                                   pullcred_credentials_sink *out, pullcred_text_sink *error);
    static pullcred_status http(void *ctx, const pullcred_http_request *request,
                                pullcred_http_response_sink *out, pullcred_text_sink *error);
    static pullcred_status sign_sigv4(void *ctx, const pullcred_http_request *request,
                                      const pullcred_sigv4_params *params, pullcred_header_sink *out,
                                      pullcred_text_sink *error);
    static pullcred_status read_file(void *ctx, pullcred_str path, std::uint32_t flags,
                                     pullcred_text_sink *out, pullcred_text_sink *error);
    static pullcred_status get_env(void *ctx, pullcred_str name, pullcred_text_sink *out);
    static pullcred_status credentials_from_source(void *ctx, pullcred_str factory, pullcred_str config_json,
                                                   const pullcred_credentials_request *request,
                                                   pullcred_credentials_sink *out, pullcred_text_sink *error);

    std::string component_;
    std::string label_; // "profile default (aws.shared-config)", in logs
    const HostEnvironment *environment_;
    pullcred_host table_{};
};

} // namespace pullcred::modules
