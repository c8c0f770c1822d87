// Header-only C++ wrapper over module.h: a module author writes an ordinary
// class; this header turns it into the C ABI and keeps exceptions inside.
#pragma once

#include <pullcred/module.h>
#include <pullcred/result.hpp>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fcntl.h>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <type_traits>
#include <unistd.h>
#include <utility>
#include <vector>

namespace pullcred::sdk {

inline std::string_view view(pullcred_str s) {
    return s.len ? std::string_view(s.ptr, s.len) : std::string_view();
}
inline pullcred_str str(std::string_view s) {
    return pullcred_str{s.data(), s.size()};
}

struct Credentials {
    std::map<std::string, std::string, std::less<>> fields;
    std::optional<std::int64_t> expires_unix;

    // The field's value, empty when absent (the AWS fields are never empty
    // when present); field() tells absent and empty apart.
    [[nodiscard]] std::string get(std::string_view name) const { return field(name).value_or(std::string()); }
    [[nodiscard]] std::optional<std::string> field(std::string_view name) const {
        auto it = fields.find(name);
        if (it == fields.end()) return std::nullopt;
        return it->second;
    }
    void set(std::string_view name, std::string value) {
        fields.insert_or_assign(std::string(name), std::move(value));
    }

    // The well-known fields (PULLCRED_FIELD_* in module.h).
    [[nodiscard]] std::optional<std::string> access_key_id() const {
        return field(PULLCRED_FIELD_ACCESS_KEY_ID);
    }
    [[nodiscard]] std::optional<std::string> secret_access_key() const {
        return field(PULLCRED_FIELD_SECRET_ACCESS_KEY);
    }
    [[nodiscard]] std::optional<std::string> session_token() const {
        return field(PULLCRED_FIELD_SESSION_TOKEN);
    }
    [[nodiscard]] std::optional<std::string> region() const { return field(PULLCRED_FIELD_REGION); }
    [[nodiscard]] std::optional<std::string> account_id() const { return field(PULLCRED_FIELD_ACCOUNT_ID); }
};

struct AuthEntry {
    std::string registry;
    std::string username;
    std::string password;
};

struct Auth {
    std::vector<AuthEntry> entries;
    std::optional<std::int64_t> expires_unix;
};

struct AuthRequest {
    std::string_view image;
    std::string_view registry;
    std::string_view profile;
    // ABI 1.2, empty unless the rule sets serviceAccount.forwardToBackend
    // (module.h): the pod's token and its annotations as a JSON object.
    std::string_view service_account_token;
    std::string_view service_account_annotations;
};

struct CredentialsRequest {
    std::string_view profile;
    std::string_view region_hint;
    // ABI 1.2, empty unless this source serves a rule's service-account
    // role (module.h): the pod's token.
    std::string_view service_account_token;
};

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::uint32_t flags = 0;
    std::string ca_bundle;
};

struct HttpResponse {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    [[nodiscard]] std::string header(std::string_view name) const;
};

struct SigV4Params {
    std::string service;
    std::string region;
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;
};

namespace detail {
inline void append_text(void *ctx, pullcred_str text) {
    static_cast<std::string *>(ctx)->append(view(text));
}
inline pullcred_text_sink text_sink(std::string &target) {
    return {&target, &append_text};
}

// A plain read of a file (regular files only, never blocking on a FIFO, at
// most 1 MiB): what Host::read_file does on a 1.1 host, which has no
// read_file service. nullopt: no such file.
inline Result<std::optional<std::string>> read_file_directly(const std::string &path, std::uint32_t flags) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR) return std::optional<std::string>();
        return Error::failed(path + ": " + std::strerror(errno));
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat info {};
    if (::fstat(fd, &info) != 0) return Error::failed(path + ": " + std::strerror(errno));
    if (S_ISDIR(info.st_mode)) return Error::failed(path + ": is a directory");
    if (!S_ISREG(info.st_mode)) return Error::failed(path + ": not a regular file");
    if ((flags & PULLCRED_INPUT_PROGRAM) != 0) return std::optional<std::string>(std::string());
    constexpr std::size_t kCap = std::size_t{1024} * 1024;
    std::string content;
    char buffer[16384];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::failed(path + ": " + std::strerror(errno));
        if (n == 0) break;
        if (content.size() + static_cast<std::size_t>(n) > kCap)
            return Error::failed(path + ": larger than " + std::to_string(kCap) + " bytes");
        content.append(buffer, static_cast<std::size_t>(n));
    }
    return std::optional<std::string>(std::move(content));
}

// Unix milliseconds to the seconds of Credentials::expires_unix and
// Auth::expires_unix (rounded down: an expiry is never later than said).
inline std::int64_t unix_seconds_of(std::int64_t unix_ms) {
    return unix_ms >= 0 ? unix_ms / 1000 : -((-unix_ms + 999) / 1000);
}

// Writes an expiry in the sink's unit: milliseconds when it has
// set_expiry_ms (ABI 1.2), else seconds.
template <class Sink> void write_expiry(Sink *out, std::int64_t unix_seconds) {
    if (out->struct_size >= offsetof(Sink, set_expiry_ms) + sizeof out->set_expiry_ms &&
        out->set_expiry_ms != nullptr)
        out->set_expiry_ms(out->ctx, unix_seconds * 1000);
    else if (out->set_expiry != nullptr)
        out->set_expiry(out->ctx, unix_seconds);
}

// A request as the C++ side reads it; fields a smaller struct_size lacks are empty.
inline CredentialsRequest credentials_request(const pullcred_credentials_request &request) {
    CredentialsRequest wrapped{view(request.profile), view(request.region_hint), {}};
    if (request.struct_size >=
        offsetof(pullcred_credentials_request, service_account_token) + sizeof(pullcred_str))
        wrapped.service_account_token = view(request.service_account_token);
    return wrapped;
}

inline void write_credentials(const Credentials &credentials, pullcred_credentials_sink *out) {
    for (const auto &[name, value] : credentials.fields) out->set_field(out->ctx, str(name), str(value));
    if (credentials.expires_unix) write_expiry(out, *credentials.expires_unix);
}

inline pullcred_credentials_sink credentials_sink(Credentials &target) {
    return {sizeof(pullcred_credentials_sink), &target,
            [](void *ctx, pullcred_str name, pullcred_str value) {
                static_cast<Credentials *>(ctx)->fields[std::string(view(name))] = std::string(view(value));
            },
            [](void *ctx, std::int64_t unix_seconds) {
                static_cast<Credentials *>(ctx)->expires_unix = unix_seconds;
            },
            [](void *ctx, std::int64_t unix_ms) {
                static_cast<Credentials *>(ctx)->expires_unix = unix_seconds_of(unix_ms);
            }};
}

inline bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

struct CHttpRequest {
    std::vector<pullcred_http_header> headers;
    pullcred_http_request request{};

    explicit CHttpRequest(const HttpRequest &in) {
        for (const auto &[name, value] : in.headers) headers.push_back({str(name), str(value)});
        request = {sizeof(pullcred_http_request),
                   str(in.method),
                   str(in.url),
                   headers.data(),
                   headers.size(),
                   str(in.body),
                   in.flags,
                   str(in.ca_bundle)};
    }
};
} // namespace detail

inline std::string HttpResponse::header(std::string_view name) const {
    for (const auto &[key, value] : headers)
        if (detail::iequals(key, name)) return value;
    return {};
}

// The host's services, as given to the module's constructor.
class Host {
public:
    explicit Host(const pullcred_host *host) : host_(host) {}

    void log(pullcred_log_level level, std::string_view message) const {
        if (host_->log) host_->log(host_->ctx, level, str(message));
    }
    void debug(std::string_view message) const { log(PULLCRED_LOG_DEBUG, message); }
    void info(std::string_view message) const { log(PULLCRED_LOG_INFO, message); }
    void warn(std::string_view message) const { log(PULLCRED_LOG_WARN, message); }

    [[nodiscard]] std::int64_t now_unix_ms() const { return host_->now_unix_ms(host_->ctx); }
    [[nodiscard]] std::int64_t deadline_unix_ms() const { return host_->deadline_unix_ms(host_->ctx); }

    [[nodiscard]] Result<Credentials> credentials(std::string_view profile,
                                                  std::string_view region_hint = {}) const {
        Credentials out;
        std::string error;
        auto sink = detail::credentials_sink(out);
        auto error_sink = detail::text_sink(error);
        const pullcred_credentials_request request{
            sizeof(pullcred_credentials_request), str(profile), str(region_hint), {}};
        const auto code = host_->credentials_for_profile(host_->ctx, &request, &sink, &error_sink);
        if (code != PULLCRED_OK) return Error{error, error_code(code)};
        return out;
    }

    // Credentials from another credential-source factory, created by the host
    // with `config` (ABI 1.2): how one source wraps another. An error with
    // ErrorCode::not_applicable: no module provides `factory`, or the host is
    // older than 1.2.
    [[nodiscard]] Result<Credentials> credentials_from(std::string_view factory, const nlohmann::json &config,
                                                       const CredentialsRequest &request) const {
        if (host_->struct_size <
                offsetof(pullcred_host, credentials_from_source) + sizeof host_->credentials_from_source ||
            host_->credentials_from_source == nullptr)
            return Error::not_applicable("this pullcred is older than ABI 1.2: it cannot run " +
                                         std::string(factory) + " for another source");
        Credentials out;
        std::string error;
        auto sink = detail::credentials_sink(out);
        auto error_sink = detail::text_sink(error);
        const auto text = config.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        const pullcred_credentials_request c_request{sizeof(pullcred_credentials_request),
                                                     str(request.profile), str(request.region_hint),
                                                     str(request.service_account_token)};
        const auto code = host_->credentials_from_source(host_->ctx, str(factory), str(text), &c_request,
                                                         &sink, &error_sink);
        if (code != PULLCRED_OK) return Error{error, error_code(code)};
        return out;
    }

    [[nodiscard]] Result<HttpResponse> http(const HttpRequest &request) const {
        HttpResponse out;
        std::string error;
        pullcred_http_response_sink sink{
            sizeof(pullcred_http_response_sink), &out,
            [](void *ctx, std::int32_t code) { static_cast<HttpResponse *>(ctx)->status = code; },
            [](void *ctx, pullcred_str name, pullcred_str value) {
                static_cast<HttpResponse *>(ctx)->headers.emplace_back(view(name), view(value));
            },
            [](void *ctx, pullcred_str chunk) {
                static_cast<HttpResponse *>(ctx)->body.append(view(chunk));
            }};
        auto error_sink = detail::text_sink(error);
        detail::CHttpRequest c_request(request);
        const auto code = host_->http(host_->ctx, &c_request.request, &sink, &error_sink);
        if (code != PULLCRED_OK) return Error{error, error_code(code)};
        return out;
    }

    // Adds the SigV4 headers (X-Amz-Date, Authorization, token) to request.
    [[nodiscard]] Status sign_sigv4(HttpRequest &request, const SigV4Params &params) const {
        std::vector<std::pair<std::string, std::string>> added;
        std::string error;
        pullcred_header_sink sink{
            &added, [](void *ctx, pullcred_str name, pullcred_str value) {
                static_cast<std::vector<std::pair<std::string, std::string>> *>(ctx)->emplace_back(
                    view(name), view(value));
            }};
        auto error_sink = detail::text_sink(error);
        const pullcred_sigv4_params c_params{
            sizeof(pullcred_sigv4_params), str(params.service),           str(params.region),
            str(params.access_key_id),     str(params.secret_access_key), str(params.session_token)};
        detail::CHttpRequest c_request(request);
        const auto code = host_->sign_sigv4(host_->ctx, &c_request.request, &c_params, &sink, &error_sink);
        if (code != PULLCRED_OK) return Error{error, error_code(code)};
        for (auto &header : added) request.headers.push_back(std::move(header));
        return ok();
    }

    // A file that decides a credential, through the host (ABI 1.2): special
    // files refused, trust checked, the file recorded as an input of what the
    // module returns. nullopt: no such file. On a 1.1 host, a plain read.
    [[nodiscard]] Result<std::optional<std::string>> read_file(std::string_view path) const {
        return read_input(path, 0);
    }
    // A program the module will run: checked and recorded, not read.
    [[nodiscard]] Status check_program(std::string_view path) const {
        auto checked = read_input(path, PULLCRED_INPUT_PROGRAM);
        if (!checked.ok()) return checked.error();
        if (!checked.value()) return Error::failed(std::string(path) + ": no such file");
        return ok();
    }
    // An environment variable that decides a credential, recorded as an input.
    [[nodiscard]] std::optional<std::string> env(std::string_view name) const {
        if (!has_inputs()) {
            const char *value = std::getenv(std::string(name).c_str()); // NOLINT(concurrency-mt-unsafe)
            return value == nullptr ? std::nullopt : std::optional<std::string>(value);
        }
        std::string value;
        auto sink = detail::text_sink(value);
        if (host_->get_env(host_->ctx, str(name), &sink) != PULLCRED_OK) return std::nullopt;
        return value;
    }

private:
    [[nodiscard]] bool has_inputs() const {
        return host_->struct_size > PULLCRED_HOST_SIZE_1_1 && host_->read_file != nullptr &&
               host_->get_env != nullptr;
    }
    [[nodiscard]] Result<std::optional<std::string>> read_input(std::string_view path,
                                                                std::uint32_t flags) const {
        if (!has_inputs()) return detail::read_file_directly(std::string(path), flags);
        std::string content;
        std::string error;
        auto sink = detail::text_sink(content);
        auto error_sink = detail::text_sink(error);
        const auto code = host_->read_file(host_->ctx, str(path), flags, &sink, &error_sink);
        if (code == PULLCRED_NOT_APPLICABLE) return std::optional<std::string>();
        if (code != PULLCRED_OK) return Error{error, error_code(code)};
        return std::optional<std::string>(std::move(content));
    }

    const pullcred_host *host_;
};

using Config = nlohmann::json;

// Base classes a module author derives from. The constructor takes
// (Host, const Config&); returning a non-OK Status reports a failure.
class CredentialSource {
public:
    virtual ~CredentialSource() = default;
    virtual Result<Credentials> get_credentials(const CredentialsRequest &request) = 0;
    // What get_credentials would do for `request.profile`, in one line for
    // `pullcred explain` ("keys from /etc/secret"). No network, no
    // credentials, never a secret. The default describes nothing.
    virtual Result<std::string> describe(const CredentialsRequest & /*request*/) {
        return Error::not_applicable("");
    }
};

class RegistryBackend {
public:
    virtual ~RegistryBackend() = default;
    virtual Result<Auth> get_auth(const AuthRequest &request) = 0;
    // What get_auth would call for `request`, in one line for `pullcred
    // explain` ("https://api.example.com (GetToken, account 42)"). No I/O, no
    // credentials, never a secret. The default describes nothing.
    virtual Result<std::string> describe(const AuthRequest & /*request*/) {
        return Error::not_applicable("");
    }
};

// Thrown from a constructor to reject a config with a clear message; any
// other exception becomes PULLCRED_FAILED with its what().
struct ConfigError : std::exception {
    explicit ConfigError(std::string text) : message(std::move(text)) {}
    [[nodiscard]] const char *what() const noexcept override { return message.c_str(); }
    std::string message;
};

namespace detail {

template <class Base> struct Instance {
    std::unique_ptr<Base> object;
    std::string last_error;
};

template <class Base, class Fn> pullcred_status guarded(void *instance, Fn &&fn) noexcept {
    auto *self = static_cast<Instance<Base> *>(instance);
    try {
        const Status status = fn(*self->object);
        if (status) {
            self->last_error.clear();
            return PULLCRED_OK;
        }
        self->last_error = status.error().message;
        return status.error().status();
    } catch (const std::exception &e) {
        self->last_error = e.what();
    } catch (...) {
        self->last_error = "unknown exception";
    }
    return PULLCRED_FAILED;
}

inline void write_text(pullcred_text_sink *sink, std::string_view text) {
    if (sink && sink->write) sink->write(sink->ctx, str(text));
}
inline void write_error(pullcred_text_sink *sink, std::string_view text) {
    write_text(sink, text);
}

template <class T, class Base>
pullcred_status create(const pullcred_host *host, pullcred_str config_json, void **instance,
                       pullcred_text_sink *error) noexcept {
    static_assert(std::is_base_of_v<Base, T>,
                  "credential_source<T> needs T derived from pullcred::sdk::CredentialSource, "
                  "registry_backend<T> needs T derived from pullcred::sdk::RegistryBackend");
    static_assert(std::is_constructible_v<T, Host, const Config &>,
                  "a module class needs the constructor T(pullcred::sdk::Host host, "
                  "const pullcred::sdk::Config &config): the host and the profile's or rule's settings");
    // A failed create hands back an instance that only answers last_error
    // and destroy (ABI 1.2's one error channel), and writes the error sink
    // for older hosts.
    std::unique_ptr<Instance<Base>> holder;
    auto fail = [&](std::string_view reason) {
        write_error(error, reason);
        if (holder) {
            holder->last_error = reason;
            *instance = holder.release();
        }
        return PULLCRED_FAILED;
    };
    try {
        holder = std::make_unique<Instance<Base>>();
        auto config = config_json.len ? nlohmann::json::parse(view(config_json)) : nlohmann::json::object();
        holder->object = std::make_unique<T>(Host(host), config);
        *instance = holder.release();
        return PULLCRED_OK;
    } catch (const std::exception &e) {
        return fail(e.what());
    } catch (...) {
        return fail("unknown exception in constructor");
    }
}

template <class Base> void destroy(void *instance) noexcept {
    delete static_cast<Instance<Base> *>(instance); // NOLINT(cppcoreguidelines-owning-memory)
}

template <class Base> pullcred_str last_error(void *instance) noexcept {
    return str(static_cast<Instance<Base> *>(instance)->last_error);
}

inline pullcred_status get_credentials(void *instance, const pullcred_credentials_request *request,
                                       pullcred_credentials_sink *out) noexcept {
    return guarded<CredentialSource>(instance, [&](CredentialSource &source) -> Status {
        auto result = source.get_credentials(credentials_request(*request));
        if (!result.ok()) return result.error();
        write_credentials(result.value(), out);
        return ok();
    });
}

inline pullcred_status get_auth(void *instance, const pullcred_auth_request *request,
                                pullcred_auth_sink *out) noexcept {
    return guarded<RegistryBackend>(instance, [&](RegistryBackend &backend) -> Status {
        AuthRequest wrapped{view(request->image), view(request->registry), view(request->profile), {}, {}};
        if (request->struct_size >=
            offsetof(pullcred_auth_request, service_account_annotations) + sizeof(pullcred_str)) {
            wrapped.service_account_token = view(request->service_account_token);
            wrapped.service_account_annotations = view(request->service_account_annotations);
        }
        auto result = backend.get_auth(wrapped);
        if (!result.ok()) return result.error();
        for (const auto &entry : result.value().entries)
            out->add(out->ctx, str(entry.registry), str(entry.username), str(entry.password));
        if (result.value().expires_unix) write_expiry(out, *result.value().expires_unix);
        return ok();
    });
}

inline pullcred_status describe(void *instance, const pullcred_auth_request *request,
                                pullcred_text_sink *out) noexcept {
    return guarded<RegistryBackend>(instance, [&](RegistryBackend &backend) -> Status {
        auto result =
            backend.describe({view(request->image), view(request->registry), view(request->profile), {}, {}});
        if (!result.ok()) return result.error();
        write_text(out, result.value());
        return ok();
    });
}

// ABI 1.2: a credential source's describe, for the profile in request->profile.
inline pullcred_status describe_source(void *instance, const pullcred_auth_request *request,
                                       pullcred_text_sink *out) noexcept {
    return guarded<CredentialSource>(instance, [&](CredentialSource &source) -> Status {
        auto result = source.describe({view(request->profile), {}, {}});
        if (!result.ok()) return result.error();
        write_text(out, result.value());
        return ok();
    });
}

} // namespace detail

// One static descriptor per class T.
template <class T>
const pullcred_factory *credential_source(const char *name, const char *config_schema = nullptr) {
    static const pullcred_factory factory{sizeof(pullcred_factory),
                                          PULLCRED_KIND_CREDENTIAL_SOURCE,
                                          name,
                                          config_schema,
                                          &detail::create<T, CredentialSource>,
                                          &detail::destroy<CredentialSource>,
                                          &detail::last_error<CredentialSource>,
                                          &detail::get_credentials,
                                          nullptr,
                                          &detail::describe_source};
    return &factory;
}

template <class T>
const pullcred_factory *registry_backend(const char *name, const char *config_schema = nullptr) {
    static const pullcred_factory factory{sizeof(pullcred_factory),
                                          PULLCRED_KIND_REGISTRY_BACKEND,
                                          name,
                                          config_schema,
                                          &detail::create<T, RegistryBackend>,
                                          &detail::destroy<RegistryBackend>,
                                          &detail::last_error<RegistryBackend>,
                                          nullptr,
                                          &detail::get_auth,
                                          &detail::describe};
    return &factory;
}

} // namespace pullcred::sdk

// The oldest host ABI minor the module runs on, stamped in its descriptor.
// The wrapper itself needs 1.0 (it checks struct_size before using what a
// later minor added); set it (pullcred_add_module(... NEEDS_ABI 1.N)) when
// the module uses something newer.
#ifndef PULLCRED_MODULE_NEEDS_ABI_MINOR
#define PULLCRED_MODULE_NEEDS_ABI_MINOR 0
#endif
static_assert(PULLCRED_MODULE_NEEDS_ABI_MINOR <= PULLCRED_ABI_MINOR,
              "NEEDS_ABI is newer than this SDK: build the module against a newer pullcred-sdk");

// Defines the module's one exported symbol. Usage:
//   PULLCRED_MODULE("my-module", "1.0.0",
//                   pullcred::sdk::registry_backend<MyBackend>("example.my-backend"))
#define PULLCRED_MODULE(module_name, module_version, ...)                                                    \
    extern "C" PULLCRED_EXPORT const pullcred_module *pullcred_module_entry(                                 \
        uint32_t host_abi_major, uint32_t /*host_abi_minor*/) noexcept {                                     \
        if (host_abi_major != PULLCRED_ABI_MAJOR) return nullptr;                                            \
        try {                                                                                                \
            static const pullcred_factory *const factories[] = {__VA_ARGS__};                                \
            static const pullcred_module module{sizeof(pullcred_module),                                     \
                                                PULLCRED_ABI_MAJOR,                                          \
                                                PULLCRED_MODULE_NEEDS_ABI_MINOR,                             \
                                                module_name,                                                 \
                                                module_version,                                              \
                                                sizeof(factories) / sizeof(factories[0]),                    \
                                                factories};                                                  \
            return &module;                                                                                  \
        } catch (...) {                                                                                      \
            return nullptr;                                                                                  \
        }                                                                                                    \
    }
