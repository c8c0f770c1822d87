// A fake host around the real registry-ecr.so: canned HTTP replies, recorded
// requests and signing calls, fixed clock, credentials per profile.
#pragma once

#include <cctype>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "http/net_services.hpp"
#include "modules/instance.hpp"
#include "modules/registry.hpp"

namespace ecr_test {

using Headers = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::int64_t kNowMs = 1'700'000'000'000;
inline constexpr std::int64_t kNow = kNowMs / 1000;

struct RecordedRequest {
    std::string method;
    std::string url;
    Headers headers;
    std::string body;
    std::uint32_t flags = 0;

    [[nodiscard]] std::string header(std::string_view name) const {
        for (const auto &[key, value] : headers) {
            if (key.size() != name.size()) continue;
            bool same = true;
            for (std::size_t i = 0; i < key.size() && same; ++i)
                same = std::tolower(static_cast<unsigned char>(key[i])) ==
                       std::tolower(static_cast<unsigned char>(name[i]));
            if (same) return value;
        }
        return {};
    }
    [[nodiscard]] int count(std::string_view name) const {
        int n = 0;
        for (const auto &[key, value] : headers)
            if (key == name) ++n;
        return n;
    }
};

struct RecordedSigning {
    RecordedRequest request;
    std::string service;
    std::string region;
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;
    std::int64_t now_unix_ms = 0;
};

struct Reply {
    int status = 200;
    Headers headers{{"Content-Type", "application/x-amz-json-1.1"}};
    std::string body;
    pullcred_status code = PULLCRED_OK; // not OK: no HTTP response, `error` instead
    std::string error;
};

inline RecordedRequest record(const pullcred_http_request *request) {
    RecordedRequest out;
    out.method = std::string(pullcred::sdk::view(request->method));
    out.url = std::string(pullcred::sdk::view(request->url));
    for (std::size_t i = 0; i < request->header_count; ++i)
        out.headers.emplace_back(pullcred::sdk::view(request->headers[i].name),
                                 pullcred::sdk::view(request->headers[i].value));
    out.body = std::string(pullcred::sdk::view(request->body));
    out.flags = request->flags;
    return out;
}

class FakeNet final : public pullcred::net::NetServices {
public:
    std::deque<Reply> replies;
    std::vector<RecordedRequest> requests;
    std::vector<RecordedSigning> signings;
    pullcred_status sign_code = PULLCRED_OK;

    pullcred_status http(const pullcred_http_request *request, pullcred_http_response_sink *out,
                         pullcred_text_sink *error, const pullcred::net::HttpPolicy & /*policy*/) override {
        requests.push_back(record(request));
        if (replies.empty()) {
            write(error, "fake network: no reply queued");
            return PULLCRED_FAILED;
        }
        const Reply reply = replies.front();
        replies.pop_front();
        if (reply.code != PULLCRED_OK) {
            write(error, reply.error);
            return reply.code;
        }
        out->status(out->ctx, reply.status);
        for (const auto &[name, value] : reply.headers)
            out->header(out->ctx, pullcred::sdk::str(name), pullcred::sdk::str(value));
        out->body(out->ctx, pullcred::sdk::str(reply.body));
        return PULLCRED_OK;
    }

    pullcred_status sign_sigv4(const pullcred_http_request *request, const pullcred_sigv4_params *params,
                               pullcred_header_sink *out, pullcred_text_sink *error,
                               std::int64_t now_unix_ms) override {
        RecordedSigning signing{record(request),
                                std::string(pullcred::sdk::view(params->service)),
                                std::string(pullcred::sdk::view(params->region)),
                                std::string(pullcred::sdk::view(params->access_key_id)),
                                std::string(pullcred::sdk::view(params->secret_access_key)),
                                std::string(pullcred::sdk::view(params->session_token)),
                                now_unix_ms};
        signings.push_back(signing);
        if (sign_code != PULLCRED_OK) {
            write(error, "SigV4: fake signer refuses");
            return sign_code;
        }
        const std::string credential =
            signing.access_key_id + "/20231114/" + signing.region + "/" + signing.service + "/aws4_request";
        add(out, "X-Amz-Date", "20231114T221320Z");
        if (!signing.session_token.empty()) add(out, "X-Amz-Security-Token", signing.session_token);
        add(out, "Authorization",
            "AWS4-HMAC-SHA256 Credential=" + credential + ", SignedHeaders=host;x-amz-date, Signature=fake");
        return PULLCRED_OK;
    }

private:
    static void write(pullcred_text_sink *sink, const std::string &text) {
        if (sink != nullptr && sink->write != nullptr) sink->write(sink->ctx, pullcred::sdk::str(text));
    }
    static void add(pullcred_header_sink *sink, const std::string &name, const std::string &value) {
        sink->add(sink->ctx, pullcred::sdk::str(name), pullcred::sdk::str(value));
    }
};

// The real module, loaded once through the host's loader.
inline const pullcred::modules::FactoryRef &ecr_factory() {
    static auto discovery = pullcred::modules::discover_modules({}, {{ECR_MODULE_PATH, ""}});
    const auto *ref = discovery.registry.find("aws.ecr");
    if (ref == nullptr) {
        std::string problems;
        for (const auto &problem : discovery.problems) problems += problem + "\n";
        throw std::runtime_error("aws.ecr not found in " + std::string(ECR_MODULE_PATH) + ": " + problems);
    }
    return *ref;
}

struct CredentialCall {
    std::string profile;
    std::string region_hint;
};

// One backend instance with its fake surroundings.
class Harness {
public:
    FakeNet net;
    std::map<std::string, pullcred::sdk::Credentials, std::less<>> profiles;
    std::vector<CredentialCall> credential_calls;
    pullcred::modules::HostEnvironment environment;

    Harness() {
        pullcred::sdk::Credentials keys;
        keys.fields = {{"access_key_id", "AKIDUNITTEST000001"},
                       {"secret_access_key", "unit-secret-key-do-not-print-0001"}};
        profiles["default"] = keys;
        environment.now_unix_ms = [] { return kNowMs; };
        environment.deadline_unix_ms = kNowMs + 45'000;
        environment.credentials_for_profile =
            [this](std::string_view profile,
                   std::string_view region_hint) -> pullcred::Result<pullcred::sdk::Credentials> {
            credential_calls.push_back({std::string(profile), std::string(region_hint)});
            auto it = profiles.find(profile);
            if (it == profiles.end())
                return pullcred::make_error("profile \"" + std::string(profile) +
                                            "\" is not defined in profiles");
            return it->second;
        };
        environment.net_services = [this]() -> pullcred::Result<pullcred::net::NetServices *> {
            return &net;
        };
    }
    Harness(const Harness &) = delete;
    Harness &operator=(const Harness &) = delete;

    pullcred::Result<std::unique_ptr<pullcred::modules::Instance>>
    backend(const nlohmann::json &settings = nlohmann::json::object()) {
        return pullcred::modules::Instance::create(ecr_factory(), "registries[0]", &environment, settings);
    }

    // get_auth on a fresh backend with `settings`.
    pullcred::Result<pullcred::sdk::Auth> auth(const std::string &registry,
                                               const std::string &profile = "default",
                                               const nlohmann::json &settings = nlohmann::json::object()) {
        auto instance = backend(settings);
        if (!instance) return instance.error();
        return (*instance)->get_auth(registry + "/team/app", registry, profile);
    }
};

// Sets or unsets environment variables for one scope.
class ScopedEnv {
public:
    ScopedEnv() = default;
    ScopedEnv(const ScopedEnv &) = delete;
    ScopedEnv &operator=(const ScopedEnv &) = delete;
    ~ScopedEnv() {
        for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
            if (it->second)
                ::setenv(it->first.c_str(), it->second->c_str(), 1);
            else
                ::unsetenv(it->first.c_str());
        }
    }
    void set(const std::string &name, const std::string &value) {
        save(name);
        ::setenv(name.c_str(), value.c_str(), 1);
    }
    void unset(const std::string &name) {
        save(name);
        ::unsetenv(name.c_str());
    }

private:
    void save(const std::string &name) {
        const char *old = std::getenv(name.c_str());
        saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    }
    std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

} // namespace ecr_test
