// A module's status code (module.h) as core's ErrorCode, and back: the one
// error vocabulary from a module to kubelet.
#pragma once

#include <pullcred/module.h>

#include "util/result.hpp"

namespace pullcred::modules {

static_assert(static_cast<pullcred_status>(ErrorCode::not_applicable) == PULLCRED_NOT_APPLICABLE &&
              static_cast<pullcred_status>(ErrorCode::retryable) == PULLCRED_RETRYABLE &&
              static_cast<pullcred_status>(ErrorCode::failed) == PULLCRED_FAILED);

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

inline pullcred_status status_of(const Error &error) {
    return static_cast<pullcred_status>(error.code);
}

} // namespace pullcred::modules
