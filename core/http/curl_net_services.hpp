// The NetServices of libpullcred-net.so: HTTP over libcurl (curl_client)
// and SigV4 signing (sigv4_signing). Nothing escapes as an exception: any
// is turned into PULLCRED_FAILED with a text.
#pragma once

#include "http/net_services.hpp"

namespace pullcred::net {

class CurlNetServices final : public NetServices {
public:
    pullcred_status http(const pullcred_http_request *request, pullcred_http_response_sink *out,
                         pullcred_text_sink *error, const HttpPolicy &policy) override;
    pullcred_status sign_sigv4(const pullcred_http_request *request, const pullcred_sigv4_params *params,
                               pullcred_header_sink *out, pullcred_text_sink *error,
                               std::int64_t now_unix_ms) override;
};

} // namespace pullcred::net
