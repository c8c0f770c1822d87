// Result<T>: a value, or the Error that says why there is none. The one error
// vocabulary of pullcred, from a module's return through the host to the
// answer kubelet gets; the codes are the ABI's status codes (module.h).
// (std::expected is C++23; this is the C++20 subset pullcred needs.)
#pragma once

#include <pullcred/module.h>

#include <string>
#include <utility>
#include <variant>

namespace pullcred::sdk {

enum class ErrorCode : pullcred_status {
    not_applicable = PULLCRED_NOT_APPLICABLE, // nothing for this request: the next matching rule is tried
    retryable = PULLCRED_RETRYABLE,           // temporary: a still-valid cached answer is served
    failed = PULLCRED_FAILED,                 // permanent: the message says why
};

// The code of a status a module or a host service returned (not PULLCRED_OK).
inline ErrorCode error_code(pullcred_status status) {
    switch (status) {
    case PULLCRED_NOT_APPLICABLE:
        return ErrorCode::not_applicable;
    case PULLCRED_RETRYABLE:
        return ErrorCode::retryable;
    default:
        return ErrorCode::failed;
    }
}

struct Error {
    std::string message;
    ErrorCode code = ErrorCode::failed;

    static Error failed(std::string message) { return {std::move(message), ErrorCode::failed}; }
    static Error retryable(std::string message) { return {std::move(message), ErrorCode::retryable}; }
    static Error not_applicable(std::string message) {
        return {std::move(message), ErrorCode::not_applicable};
    }
    // The same kind of failure, told in other words.
    [[nodiscard]] Error with_message(std::string text) const { return {std::move(text), code}; }
    [[nodiscard]] pullcred_status status() const { return static_cast<pullcred_status>(code); }
};

template <class T> class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::move(value)) {}     // NOLINT(google-explicit-constructor)
    Result(Error error) : state_(std::move(error)) {} // NOLINT(google-explicit-constructor)

    [[nodiscard]] bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T &value() & { return std::get<0>(state_); }
    const T &value() const & { return std::get<0>(state_); }
    T &&value() && { return std::get<0>(std::move(state_)); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }

    [[nodiscard]] const Error &error() const { return std::get<1>(state_); }

private:
    std::variant<T, Error> state_;
};

struct Ok {};

// A Result without a value: ok(), or the Error.
using Status = Result<Ok>;
inline Status ok() {
    return Ok{};
}

} // namespace pullcred::sdk
