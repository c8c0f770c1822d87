// One instance of a factory, driven through the C ABI: the one class that
// calls a module, used by the pullcred host and by pullcred/testing.hpp
// alike. Every call into the module runs inside `around`: the host runs it
// under its watchdog, which names the call; a test runs it as it is.
// Failures come back with the module's own text (create's error sink or
// last_error, "no reason given" when empty) and its status code.
#pragma once

#include <pullcred/module.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace pullcred::sdk {

namespace detail {
inline pullcred_auth_sink auth_sink(Auth &target) {
    return {
        sizeof(pullcred_auth_sink), &target,
        [](void *ctx, pullcred_str registry, pullcred_str username, pullcred_str password) {
            static_cast<Auth *>(ctx)->entries.push_back(
                {std::string(view(registry)), std::string(view(username)), std::string(view(password))});
        },
        [](void *ctx, std::int64_t unix_seconds) { static_cast<Auth *>(ctx)->expires_unix = unix_seconds; },
        [](void *ctx, std::int64_t unix_ms) {
            static_cast<Auth *>(ctx)->expires_unix = unix_seconds_of(unix_ms);
        }};
}

inline bool has_describe(const pullcred_factory &factory) {
    return factory.struct_size >= offsetof(pullcred_factory, describe) + sizeof factory.describe &&
           factory.describe != nullptr;
}
} // namespace detail

class Driver {
public:
    // Runs one call into the module (`call` names it: "create", "get_auth", ...).
    using Around = std::function<void(const char *call, const std::function<void()> &run)>;

    // Creates the instance from `config_json`; `host` must outlive it.
    static Result<Driver> create(const pullcred_factory &factory, const pullcred_host *host,
                                 std::string_view config_json, Around around = {}) {
        Driver driver(factory, std::move(around));
        std::string error;
        auto sink = detail::text_sink(error);
        void *handle = nullptr;
        const auto status =
            driver.call("create", [&] { return factory.create(host, str(config_json), &handle, &sink); });
        if (status != PULLCRED_OK || handle == nullptr) {
            if (handle != nullptr) {
                if (error.empty())
                    driver.call("last_error", [&] {
                        error = view(factory.last_error(handle));
                        return PULLCRED_OK;
                    });
                driver.call("destroy", [&] { return destroy(factory, handle); });
            }
            return Error{error.empty() ? std::string("no reason given") : error,
                         error_code(status == PULLCRED_OK ? PULLCRED_FAILED : status)};
        }
        driver.handle_ = handle;
        return driver;
    }

    Driver(Driver &&other) noexcept
        : factory_(other.factory_), handle_(std::exchange(other.handle_, nullptr)),
          around_(std::move(other.around_)) {}
    Driver &operator=(Driver &&other) noexcept {
        if (this != &other) {
            reset();
            factory_ = other.factory_;
            handle_ = std::exchange(other.handle_, nullptr);
            around_ = std::move(other.around_);
        }
        return *this;
    }
    Driver(const Driver &) = delete;
    Driver &operator=(const Driver &) = delete;
    ~Driver() { reset(); }

    Result<Credentials> get_credentials(const CredentialsRequest &request) {
        if (factory_->kind != PULLCRED_KIND_CREDENTIAL_SOURCE || factory_->get_credentials == nullptr)
            return Error::failed(std::string(factory_->name) + " is not a credential source");
        Credentials credentials;
        auto sink = detail::credentials_sink(credentials);
        const pullcred_credentials_request c_request{sizeof(pullcred_credentials_request),
                                                     str(request.profile), str(request.region_hint),
                                                     str(request.service_account_token)};
        const auto status =
            call("get_credentials", [&] { return factory_->get_credentials(handle_, &c_request, &sink); });
        if (status != PULLCRED_OK) return failure(status);
        return credentials;
    }

    Result<Auth> get_auth(const AuthRequest &request) {
        if (factory_->kind != PULLCRED_KIND_REGISTRY_BACKEND || factory_->get_auth == nullptr)
            return Error::failed(std::string(factory_->name) + " is not a registry backend");
        Auth auth;
        auto sink = detail::auth_sink(auth);
        const auto c_request = auth_request(request);
        const auto status = call("get_auth", [&] { return factory_->get_auth(handle_, &c_request, &sink); });
        if (status != PULLCRED_OK) return failure(status);
        return auth;
    }

    // What get_auth would call (a backend, ABI 1.1) or get_credentials would
    // do for request.profile (a source, ABI 1.2); nullopt when the module
    // does not say (no describe, or not applicable).
    Result<std::optional<std::string>> describe(const AuthRequest &request) {
        if (!detail::has_describe(*factory_)) return std::optional<std::string>();
        std::string text;
        auto sink = detail::text_sink(text);
        const auto c_request = auth_request({request.image, request.registry, request.profile, {}, {}});
        const auto status = call("describe", [&] { return factory_->describe(handle_, &c_request, &sink); });
        if (status == PULLCRED_NOT_APPLICABLE) return std::optional<std::string>();
        if (status != PULLCRED_OK) return failure(status);
        return std::optional<std::string>(std::move(text));
    }

    [[nodiscard]] const pullcred_factory &factory() const { return *factory_; }

private:
    Driver(const pullcred_factory &factory, Around around) : factory_(&factory), around_(std::move(around)) {}

    static pullcred_status destroy(const pullcred_factory &factory, void *handle) {
        factory.destroy(handle);
        return PULLCRED_OK;
    }

    static pullcred_auth_request auth_request(const AuthRequest &request) {
        return {sizeof(pullcred_auth_request),
                str(request.image),
                str(request.registry),
                str(request.profile),
                str(request.service_account_token),
                str(request.service_account_annotations)};
    }

    template <class Fn> pullcred_status call(const char *name, Fn &&fn) const {
        if (!around_) return fn();
        pullcred_status status = PULLCRED_FAILED;
        around_(name, [&] { status = fn(); });
        return status;
    }

    Error failure(pullcred_status status) const {
        std::string text;
        call("last_error", [&] {
            text = view(factory_->last_error(handle_));
            return PULLCRED_OK;
        });
        return Error{text.empty() ? std::string("no reason given") : std::move(text), error_code(status)};
    }

    void reset() {
        if (handle_ == nullptr) return;
        void *handle = std::exchange(handle_, nullptr);
        call("destroy", [&] { return destroy(*factory_, handle); });
    }

    const pullcred_factory *factory_;
    void *handle_ = nullptr;
    Around around_;
};

} // namespace pullcred::sdk
