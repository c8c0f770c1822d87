// Tells when AWS refused the credentials a request was signed with (unknown
// or deleted key, bad signature, expired or revoked token, access denied),
// so that the host can drop them instead of serving them again until their
// declared expiry.
#pragma once

#include <optional>
#include <pullcred/module.h>
#include <string>
#include <string_view>

namespace pullcred::modules {

// The access key id in the request's SigV4 Authorization header, if any.
std::optional<std::string> signing_access_key(const pullcred_http_request &request);

// True when a reply (status, x-amzn-ErrorType header, start of the body)
// says the signing credentials themselves were refused.
bool credentials_refused(int status, std::string_view error_type_header, std::string_view body_start);

} // namespace pullcred::modules
