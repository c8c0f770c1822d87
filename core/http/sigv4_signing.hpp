// NetServices::sign_sigv4: the C request and parameters converted to the
// SigV4 library's types (core/aws/sigv4), signed at `now_unix_ms`; the
// headers to add (X-Amz-Date, X-Amz-Security-Token when there is a session
// token, Authorization) go to the header sink, in that order. Error texts
// never contain the secret key, the session token or header values.
#pragma once

#include <cstdint>
#include <pullcred/module.h>

namespace pullcred::net {

pullcred_status sign_request_sigv4(const pullcred_http_request *request, const pullcred_sigv4_params *params,
                                   pullcred_header_sink *out, pullcred_text_sink *error,
                                   std::int64_t now_unix_ms);

} // namespace pullcred::net
