#include "http/sigv4_signing.hpp"

#include "aws/sigv4/sigv4.hpp"
#include "http/abi_text.hpp"

#include <chrono>
#include <cstddef>
#include <string>

namespace pullcred::net {
namespace {

// Wipes the copies of the secrets when signing is done.
struct WipedCredentials {
    aws::AwsCredentials value;
    WipedCredentials() = default;
    WipedCredentials(const WipedCredentials &) = delete;
    WipedCredentials &operator=(const WipedCredentials &) = delete;
    ~WipedCredentials() {
        for (std::string *secret : {&value.secret_access_key, &value.session_token}) {
            volatile char *bytes = secret->data();
            for (std::size_t i = 0; i < secret->size(); ++i) bytes[i] = 0;
        }
    }
};

pullcred_status fail(pullcred_text_sink *error, const std::string &text) {
    write_text(error, "SigV4: " + text);
    return PULLCRED_FAILED;
}

} // namespace

pullcred_status sign_request_sigv4(const pullcred_http_request *request, const pullcred_sigv4_params *params,
                                   pullcred_header_sink *out, pullcred_text_sink *error,
                                   std::int64_t now_unix_ms) {
    if (request == nullptr || params == nullptr) return fail(error, "no request or no signing parameters");
    if (request->struct_size < offsetof(pullcred_http_request, body) + sizeof(pullcred_str)) {
        return fail(error, "the request structure is too small");
    }
    if (params->struct_size < offsetof(pullcred_sigv4_params, session_token) + sizeof(pullcred_str)) {
        return fail(error, "the signing parameters structure is too small");
    }
    if (request->header_count > 0 && request->headers == nullptr) {
        return fail(error, "header_count is set but headers is NULL");
    }
    if (out == nullptr || out->add == nullptr) return fail(error, "no header sink");

    aws::HttpRequestToSign to_sign;
    to_sign.method = std::string(view(request->method));
    to_sign.url = std::string(view(request->url));
    to_sign.body = std::string(view(request->body));
    to_sign.headers.reserve(request->header_count);
    for (std::size_t i = 0; i < request->header_count; ++i) {
        to_sign.headers.emplace_back(std::string(view(request->headers[i].name)),
                                     std::string(view(request->headers[i].value)));
    }

    WipedCredentials credentials;
    credentials.value.access_key_id = std::string(view(params->access_key_id));
    credentials.value.secret_access_key = std::string(view(params->secret_access_key));
    credentials.value.session_token = std::string(view(params->session_token));

    aws::SigningScope scope;
    scope.service = std::string(view(params->service));
    scope.region = std::string(view(params->region));
    scope.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(now_unix_ms));

    auto signed_headers = aws::sign_sigv4(to_sign, credentials.value, scope);
    if (!signed_headers) return fail(error, signed_headers.error().message);
    for (const auto &[name, value] : *signed_headers) out->add(out->ctx, to_str(name), to_str(value));
    return PULLCRED_OK;
}

} // namespace pullcred::net
