// NetServices::http over libcurl (easy API).
//
// - TLS verified by default. CA bundle: the request's ca_bundle, else
//   AWS_CA_BUNDLE, else HttpPolicy::ca_bundle, else libcurl's default.
//   PULLCRED_HTTP_INSECURE_SKIP_VERIFY turns verification off.
// - Proxies from HTTPS_PROXY / HTTP_PROXY / NO_PROXY (see proxy.hpp), set
//   on the handle explicitly; PULLCRED_HTTP_IGNORE_PROXY connects directly.
// - PULLCRED_HTTP_METADATA: one attempt with kMetadataTimeout (IMDS, container endpoints).
// - Only http and https, no redirects followed, no signals, a connect
//   timeout, a per-attempt timeout clipped to the deadline, and a cap on
//   the response body.
// - Retries (see retry_policy.hpp) with full-jitter backoff, never sleeping
//   or starting an attempt past HttpPolicy::deadline_unix_ms.
//
// Outcome: PULLCRED_OK with the last HTTP response (any status) written to
// the sink; PULLCRED_RETRYABLE when no HTTP response came back (network
// errors, timeouts, the deadline); PULLCRED_FAILED for what retrying cannot
// fix (malformed request, untrusted server certificate, unreadable CA
// bundle, response too large). Error texts name the method, the URL's
// scheme, host, port and path (never its query, user information, header
// values or bodies), the attempts made and, when one was used, the proxy
// (without its credentials).
#pragma once

#include "http/net_services.hpp"

#include <chrono>
#include <cstddef>

namespace pullcred::net {

inline constexpr std::size_t kMaxResponseBodyBytes = std::size_t{4} * 1024 * 1024;
inline constexpr std::chrono::milliseconds kConnectTimeout{5000};
inline constexpr std::chrono::milliseconds kDefaultAttemptTimeout{10000};
// PULLCRED_HTTP_METADATA requests: one attempt of at most this long (botocore's IMDS timeout).
inline constexpr std::chrono::milliseconds kMetadataTimeout{1000};

// Call curl_global_init() before the first request (net_library.cpp does).
pullcred_status perform_http(const pullcred_http_request *request, pullcred_http_response_sink *out,
                             pullcred_text_sink *error, const HttpPolicy &policy);

} // namespace pullcred::net
