#include "http/curl_net_services.hpp"

#include "http/abi_text.hpp"
#include "http/curl_client.hpp"
#include "http/sigv4_signing.hpp"

#include <exception>
#include <string>

namespace pullcred::net {
namespace {

template <class Call>
pullcred_status guarded(std::string_view what, pullcred_text_sink *error, Call &&call) noexcept {
    try {
        return call();
    } catch (const std::exception &exception) {
        try {
            write_text(error, std::string(what) + ": internal error: " + exception.what());
        } catch (...) {
        }
    } catch (...) {
        write_text(error, what);
    }
    return PULLCRED_FAILED;
}

} // namespace

pullcred_status CurlNetServices::http(const pullcred_http_request *request, pullcred_http_response_sink *out,
                                      pullcred_text_sink *error, const HttpPolicy &policy) {
    return guarded("HTTP", error, [&] { return perform_http(request, out, error, policy); });
}

pullcred_status CurlNetServices::sign_sigv4(const pullcred_http_request *request,
                                            const pullcred_sigv4_params *params, pullcred_header_sink *out,
                                            pullcred_text_sink *error, std::int64_t now_unix_ms) {
    return guarded("SigV4", error,
                   [&] { return sign_request_sigv4(request, params, out, error, now_unix_ms); });
}

} // namespace pullcred::net
