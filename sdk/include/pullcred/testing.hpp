// Header-only test kit for module authors: a fake host that implements every
// service of the pullcred_host table (canned HTTP replies, recorded requests,
// a recording logger, a fake SigV4 signer, credentials per profile, a fixed
// clock), and helpers that load a module's entry point (dlopen of the built
// .so, or the entry function linked into the test) and drive one instance
// through the C ABI exactly as pullcred does. Depends only on module.h,
// module.hpp and the C/C++ standard library (+ dlopen: link CMAKE_DL_LIBS).
// Usage: docs/modules.md; a complete test: sdk/examples/docker-config-backend.
#pragma once

#include <pullcred/descriptor_check.hpp>
#include <pullcred/driver.hpp>
#include <pullcred/module.h>
#include <pullcred/module.hpp>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <dlfcn.h>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The entry point that PULLCRED_MODULE(...) defines: declared here so that a
// test which links the module's sources can write Module(&pullcred_module_entry).
// Referencing it without linking those sources is a link error; a test that
// only uses Module::load(path) never references it.
extern "C" const pullcred_module *pullcred_module_entry(uint32_t host_abi_major,
                                                        uint32_t host_abi_minor) noexcept;

namespace pullcred::sdk::testing {

// So that `using namespace pullcred::sdk::testing;` is enough in a test.
using sdk::Auth;
using sdk::Config;
using sdk::Credentials;
using sdk::Status;

using Headers = std::vector<std::pair<std::string, std::string>>;

namespace detail {
inline bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}
inline void write(pullcred_text_sink *sink, std::string_view text) {
    if (sink != nullptr && sink->write != nullptr) sink->write(sink->ctx, str(text));
}
} // namespace detail

// One HTTP request as the module sent it (or asked to have signed).
struct RecordedRequest {
    std::string method;
    std::string url;
    Headers headers;
    std::string body;
    std::uint32_t flags = 0;
    std::string ca_bundle;

    // First value of a header, case-insensitively; empty when absent.
    [[nodiscard]] std::string header(std::string_view name) const {
        for (const auto &[key, value] : headers)
            if (detail::iequals(key, name)) return value;
        return {};
    }

    static RecordedRequest from(const pullcred_http_request *request) {
        RecordedRequest out;
        out.method = std::string(view(request->method));
        out.url = std::string(view(request->url));
        for (std::size_t i = 0; i < request->header_count; ++i)
            out.headers.emplace_back(view(request->headers[i].name), view(request->headers[i].value));
        out.body = std::string(view(request->body));
        out.flags = request->flags;
        if (request->struct_size >= offsetof(pullcred_http_request, ca_bundle) + sizeof(pullcred_str))
            out.ca_bundle = std::string(view(request->ca_bundle));
        return out;
    }
};

// What the fake network answers to the next request. `code` other than
// PULLCRED_OK means no HTTP response at all (DNS, TLS, timeout...): the
// module sees that status and `error`.
struct Reply {
    int status = 200;
    Headers headers;
    std::string body;
    pullcred_status code = PULLCRED_OK;
    std::string error;
};

struct LogLine {
    pullcred_log_level level = PULLCRED_LOG_INFO;
    std::string message;
};

// One call to sign_sigv4: the request and the parameters the module passed.
struct Signing {
    RecordedRequest request;
    std::string service;
    std::string region;
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;
};

struct CredentialCall {
    std::string profile;
    std::string region_hint;
};

struct SourceCall {
    std::string factory;
    std::string config_json;
    std::string profile;
};

// A pullcred_host whose every service is a fake that records what the module
// did. Not copyable or movable: table() points at this object.
class FakeHost {
public:
    static constexpr std::int64_t kDefaultNowMs = 1'700'000'000'000; // 2023-11-14T22:13:20Z

    std::int64_t now_ms = kDefaultNowMs;
    std::int64_t deadline_ms = kDefaultNowMs + 45'000;

    // HTTP: replies are consumed front first; with none left a request fails.
    std::deque<Reply> replies;
    std::vector<RecordedRequest> requests;

    std::vector<LogLine> logs;

    // credentials_for_profile answers from `profiles` (unknown: FAILED).
    std::map<std::string, Credentials, std::less<>> profiles;
    std::vector<CredentialCall> credential_calls;

    // credentials_from_source answers from `sources`, by factory name
    // (unknown: NOT_APPLICABLE, as a host without that module).
    std::map<std::string, Credentials, std::less<>> sources;
    std::vector<SourceCall> source_calls;

    // sign_sigv4 records the call and adds X-Amz-Date, X-Amz-Security-Token
    // (when a session token is given) and a fixed fake Authorization header:
    //   AWS4-HMAC-SHA256 Credential=<key id>/20231114/<region>/<service>/aws4_request,
    //   SignedHeaders=host;x-amz-date, Signature=fake
    // Set sign_code to make the signer fail instead.
    std::vector<Signing> signings;
    pullcred_status sign_code = PULLCRED_OK;

    // read_file and get_env read the real file system and environment, and
    // record what the module asked for.
    std::vector<std::string> files_read;
    std::vector<std::string> env_read;

    FakeHost()
        : table_{
              sizeof(pullcred_host), PULLCRED_ABI_MAJOR, PULLCRED_ABI_MINOR,      this,
              &FakeHost::log_cb,     &FakeHost::now_cb,  &FakeHost::deadline_cb,  &FakeHost::credentials_cb,
              &FakeHost::http_cb,    &FakeHost::sign_cb, &FakeHost::read_file_cb, &FakeHost::get_env_cb,
              &FakeHost::source_cb} {}
    FakeHost(const FakeHost &) = delete;
    FakeHost &operator=(const FakeHost &) = delete;
    FakeHost(FakeHost &&) = delete;
    FakeHost &operator=(FakeHost &&) = delete;
    ~FakeHost() = default;

    [[nodiscard]] const pullcred_host *table() const { return &table_; }

    // Queues a response for the next request.
    FakeHost &reply(int status, std::string body, Headers headers = {}) {
        replies.push_back(Reply{status, std::move(headers), std::move(body), PULLCRED_OK, {}});
        return *this;
    }
    // Queues a transport failure (no HTTP response) for the next request.
    FakeHost &fail(pullcred_status code, std::string error) {
        replies.push_back(Reply{0, {}, {}, code, std::move(error)});
        return *this;
    }
    // Defines a profile with static keys for credentials_for_profile.
    FakeHost &profile(const std::string &name, const std::string &access_key_id,
                      const std::string &secret_access_key, const std::string &session_token = {}) {
        Credentials keys;
        keys.fields = {{PULLCRED_FIELD_ACCESS_KEY_ID, access_key_id},
                       {PULLCRED_FIELD_SECRET_ACCESS_KEY, secret_access_key}};
        if (!session_token.empty()) keys.fields[PULLCRED_FIELD_SESSION_TOKEN] = session_token;
        profiles[name] = keys;
        return *this;
    }

    // True when some log line contains `text`.
    [[nodiscard]] bool logged(std::string_view text) const {
        for (const auto &line : logs)
            if (line.message.find(text) != std::string::npos) return true;
        return false;
    }
    // Every log line, one per line: what a secret-leak assertion scans.
    [[nodiscard]] std::string log_text() const {
        std::string out;
        for (const auto &line : logs) out += line.message + "\n";
        return out;
    }

private:
    static FakeHost &self(void *ctx) { return *static_cast<FakeHost *>(ctx); }

    static void log_cb(void *ctx, pullcred_log_level level, pullcred_str message) {
        self(ctx).logs.push_back({level, std::string(view(message))});
    }
    static std::int64_t now_cb(void *ctx) { return self(ctx).now_ms; }
    static std::int64_t deadline_cb(void *ctx) { return self(ctx).deadline_ms; }

    static pullcred_status credentials_cb(void *ctx, const pullcred_credentials_request *request,
                                          pullcred_credentials_sink *out, pullcred_text_sink *error) {
        auto &host = self(ctx);
        const std::string profile(view(request->profile));
        host.credential_calls.push_back({profile, std::string(view(request->region_hint))});
        auto it = host.profiles.find(profile);
        if (it == host.profiles.end()) {
            detail::write(error, "profile \"" + profile + "\" is not defined in profiles");
            return PULLCRED_FAILED;
        }
        sdk::detail::write_credentials(it->second, out);
        return PULLCRED_OK;
    }

    static pullcred_status source_cb(void *ctx, pullcred_str factory, pullcred_str config_json,
                                     const pullcred_credentials_request *request,
                                     pullcred_credentials_sink *out, pullcred_text_sink *error) {
        auto &host = self(ctx);
        const std::string name(view(factory));
        host.source_calls.push_back(
            {name, std::string(view(config_json)), std::string(view(request->profile))});
        auto it = host.sources.find(name);
        if (it == host.sources.end()) {
            detail::write(error, "no module provides " + name);
            return PULLCRED_NOT_APPLICABLE;
        }
        sdk::detail::write_credentials(it->second, out);
        return PULLCRED_OK;
    }

    static pullcred_status http_cb(void *ctx, const pullcred_http_request *request,
                                   pullcred_http_response_sink *out, pullcred_text_sink *error) {
        auto &host = self(ctx);
        host.requests.push_back(RecordedRequest::from(request));
        if (host.replies.empty()) {
            detail::write(error, "fake host: no HTTP reply queued for " + host.requests.back().method + " " +
                                     host.requests.back().url);
            return PULLCRED_FAILED;
        }
        const Reply reply = host.replies.front();
        host.replies.pop_front();
        if (reply.code != PULLCRED_OK) {
            detail::write(error, reply.error);
            return reply.code;
        }
        out->status(out->ctx, reply.status);
        for (const auto &[name, value] : reply.headers) out->header(out->ctx, str(name), str(value));
        out->body(out->ctx, str(reply.body));
        return PULLCRED_OK;
    }

    static pullcred_status sign_cb(void *ctx, const pullcred_http_request *request,
                                   const pullcred_sigv4_params *params, pullcred_header_sink *out,
                                   pullcred_text_sink *error) {
        auto &host = self(ctx);
        Signing signing{RecordedRequest::from(request),
                        std::string(view(params->service)),
                        std::string(view(params->region)),
                        std::string(view(params->access_key_id)),
                        std::string(view(params->secret_access_key)),
                        std::string(view(params->session_token))};
        host.signings.push_back(signing);
        if (host.sign_code != PULLCRED_OK) {
            detail::write(error, "fake host: the signer refuses");
            return host.sign_code;
        }
        auto add = [out](const std::string &name, const std::string &value) {
            out->add(out->ctx, str(name), str(value));
        };
        add("X-Amz-Date", "20231114T221320Z");
        if (!signing.session_token.empty()) add("X-Amz-Security-Token", signing.session_token);
        add("Authorization", "AWS4-HMAC-SHA256 Credential=" + signing.access_key_id + "/20231114/" +
                                 signing.region + "/" + signing.service +
                                 "/aws4_request, SignedHeaders=host;x-amz-date, Signature=fake");
        return PULLCRED_OK;
    }

    static pullcred_status read_file_cb(void *ctx, pullcred_str path, std::uint32_t flags,
                                        pullcred_text_sink *out, pullcred_text_sink *error) {
        const std::string file(view(path));
        self(ctx).files_read.push_back(file);
        auto read = sdk::detail::read_file_directly(file, flags);
        if (!read.ok()) {
            detail::write(error, read.error().message);
            return read.error().status();
        }
        if (!read.value()) return PULLCRED_NOT_APPLICABLE;
        detail::write(out, *read.value());
        return PULLCRED_OK;
    }

    static pullcred_status get_env_cb(void *ctx, pullcred_str name, pullcred_text_sink *out) {
        const std::string variable(view(name));
        self(ctx).env_read.push_back(variable);
        const char *value = std::getenv(variable.c_str()); // NOLINT(concurrency-mt-unsafe)
        if (value == nullptr) return PULLCRED_NOT_APPLICABLE;
        detail::write(out, value);
        return PULLCRED_OK;
    }

    pullcred_host table_{};
};

// A module's descriptor, from its entry point. Construct from an entry
// function linked into the test (Module(&pullcred_module_entry)) or load the
// built .so (Module::load(path)) to test the very file you ship. The library
// is never unloaded, as in pullcred.
class Module {
public:
    explicit Module(pullcred_module_entry_fn entry, std::uint32_t host_abi_major = PULLCRED_ABI_MAJOR,
                    std::uint32_t host_abi_minor = PULLCRED_ABI_MINOR)
        : descriptor_(entry(host_abi_major, host_abi_minor)) {
        if (descriptor_ == nullptr)
            throw std::runtime_error("pullcred_module_entry returned NULL for host ABI " +
                                     std::to_string(host_abi_major) + "." + std::to_string(host_abi_minor));
    }

    // dlopen(RTLD_NOW | RTLD_LOCAL) + dlsym, like pullcred's loader.
    static Module load(const std::string &path) {
        void *library = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (library == nullptr) {
            const char *reason = ::dlerror();
            throw std::runtime_error("cannot load " + path + ": " + (reason ? reason : "unknown error"));
        }
        void *symbol = ::dlsym(library, PULLCRED_MODULE_ENTRY_SYMBOL);
        if (symbol == nullptr)
            throw std::runtime_error(path + " has no symbol " + std::string(PULLCRED_MODULE_ENTRY_SYMBOL));
        return Module(reinterpret_cast<pullcred_module_entry_fn>(symbol)); // NOLINT: dlsym's contract
    }

    [[nodiscard]] const pullcred_module &descriptor() const { return *descriptor_; }

    [[nodiscard]] std::vector<const pullcred_factory *> factories() const {
        return {descriptor_->factories, descriptor_->factories + descriptor_->factory_count};
    }

    // The factory called `name`; throws when the module has none.
    [[nodiscard]] const pullcred_factory &factory(std::string_view name) const {
        for (const auto *factory : factories())
            if (factory != nullptr && factory->name != nullptr && name == factory->name) return *factory;
        throw std::runtime_error("module " + std::string(descriptor_->name ? descriptor_->name : "?") +
                                 " has no factory \"" + std::string(name) + "\"");
    }

    // What pullcred's loader would refuse (the same checker), then what
    // pullcred refuses later: factory names the module repeats (when it
    // registers factories) and a config_schema that is not a JSON object
    // (when it validates a config, the schema's only reader); one line each,
    // empty when none.
    [[nodiscard]] std::vector<std::string> problems() const {
        auto out = descriptor_problems(descriptor_);
        if (!out.empty()) return out;
        const auto all = factories();
        for (std::size_t i = 0; i < all.size(); ++i) {
            for (std::size_t j = 0; j < i; ++j)
                if (std::string_view(all[j]->name) == all[i]->name)
                    out.push_back("factory #" + std::to_string(i) + " repeats the name " + all[i]->name);
            if (all[i]->config_schema != nullptr) {
                const auto schema = nlohmann::json::parse(all[i]->config_schema, nullptr, false);
                if (schema.is_discarded() || !schema.is_object())
                    out.push_back("factory " + std::string(all[i]->name) +
                                  " has a config_schema that is not a JSON object");
            }
        }
        return out;
    }

private:
    const pullcred_module *descriptor_;
};

// One instance of a factory, created and called through the C ABI by the
// same Driver as in pullcred. Failures come back with the module's create()
// error or last_error() text and its status code. The config is passed as
// is: pullcred validates it against the factory's schema first (check that
// with `pullcred check-config`); this kit does not.
class Instance {
public:
    static Result<Instance> create(const pullcred_factory &factory, const FakeHost &host,
                                   const Config &config = Config::object()) {
        auto driver = Driver::create(factory, host.table(), config.dump());
        if (!driver.ok()) return driver.error();
        return Instance(std::move(driver.value()));
    }

    // A registry backend's answer for `image`. `registry` defaults to the
    // image's host[:port] (everything before the first '/'). The service
    // account's token and annotations (a JSON object) are what pullcred
    // forwards under serviceAccount.forwardToBackend.
    Result<Auth> get_auth(std::string_view image, std::string_view registry = {},
                          std::string_view profile = {}, std::string_view service_account_token = {},
                          std::string_view service_account_annotations = {}) {
        return driver_.get_auth({image, registry_of(image, registry), profile, service_account_token,
                                 service_account_annotations});
    }

    // A credential source's answer for `profile`; `service_account_token` is
    // what pullcred hands the source of a rule's service-account role.
    Result<Credentials> get_credentials(std::string_view profile, std::string_view region_hint = {},
                                        std::string_view service_account_token = {}) {
        return driver_.get_credentials({profile, region_hint, service_account_token});
    }

    // What get_auth would call for `image` (a backend, ABI 1.1), or what
    // get_credentials would do for `profile` (a source, ABI 1.2: pass an
    // empty image). PULLCRED_NOT_APPLICABLE when it describes nothing or has
    // no describe.
    Result<std::string> describe(std::string_view image, std::string_view registry = {},
                                 std::string_view profile = {}) {
        auto text = driver_.describe({image, registry_of(image, registry), profile, {}, {}});
        if (!text.ok()) return text.error();
        if (!text.value())
            return Error::not_applicable(std::string(driver_.factory().name) +
                                         " has no describe, or says nothing");
        return std::move(*text.value());
    }

    [[nodiscard]] const pullcred_factory &factory() const { return driver_.factory(); }

private:
    explicit Instance(Driver driver) : driver_(std::move(driver)) {}

    static std::string_view registry_of(std::string_view image, std::string_view registry) {
        return registry.empty() ? image.substr(0, image.find('/')) : registry;
    }

    Driver driver_;
};

} // namespace pullcred::sdk::testing
