// Result<T>: a value or an Error, the error channel of the whole core.
// (std::expected is C++23; this is the C++20 subset pullcred needs.)
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace pullcred {

// What kind of failure: the module ABI's status codes (sdk/ABI.md), carried
// from the module that reported it to the answer kubelet gets.
enum class ErrorCode : std::int32_t {
    not_applicable = 1, // nothing for this request: the next matching rule is tried
    retryable = 2,      // temporary: a still-valid cached answer is served
    failed = 3,         // permanent
};

struct Error {
    std::string message;
    ErrorCode code = ErrorCode::failed;
};

inline Error make_error(std::string message, ErrorCode code = ErrorCode::failed) {
    return Error{std::move(message), code};
}

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

// Result<void> spelled as Status.
using Status = Result<Ok>;
inline Status ok() {
    return Ok{};
}

} // namespace pullcred
