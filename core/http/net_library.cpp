// Entry point of libpullcred-net.so: the NetServices implementation.
#include "http/net_services.hpp"

namespace pullcred::net {
namespace {
class Unavailable final : public NetServices {
public:
    pullcred_status http(const pullcred_http_request * /*request*/, pullcred_http_response_sink * /*out*/,
                         pullcred_text_sink *error, const HttpPolicy & /*policy*/) override {
        constexpr std::string_view text = "HTTP is not implemented yet";
        if (error != nullptr) error->write(error->ctx, {text.data(), text.size()});
        return PULLCRED_FAILED;
    }
    pullcred_status sign_sigv4(const pullcred_http_request * /*request*/, const pullcred_sigv4_params * /*params*/,
                               pullcred_header_sink * /*out*/, pullcred_text_sink *error,
                               std::int64_t /*now_unix_ms*/) override {
        constexpr std::string_view text = "SigV4 is not implemented yet";
        if (error != nullptr) error->write(error->ctx, {text.data(), text.size()});
        return PULLCRED_FAILED;
    }
};
} // namespace
} // namespace pullcred::net

extern "C" __attribute__((visibility("default"))) pullcred::net::NetServices *pullcred_net_services() {
    static pullcred::net::Unavailable services;
    return &services;
}
