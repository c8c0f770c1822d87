#include "modules/host_services.hpp"

#include "log/logger.hpp"
#include "log/redact.hpp"

namespace pullcred::modules {

namespace {
HostServices &self(void *ctx) {
    return *static_cast<HostServices *>(ctx);
}

void write_error(pullcred_text_sink *sink, std::string_view text) {
    if (sink != nullptr && sink->write != nullptr) sink->write(sink->ctx, sdk::str(text));
}

log::Level to_level(pullcred_log_level level) {
    switch (level) {
    case PULLCRED_LOG_DEBUG:
        return log::Level::debug;
    case PULLCRED_LOG_WARN:
        return log::Level::warn;
    case PULLCRED_LOG_ERROR:
        return log::Level::error;
    default:
        return log::Level::info;
    }
}
} // namespace

HostServices::HostServices(std::string component, const HostEnvironment *environment)
    : component_(std::move(component)),
      environment_(environment), table_{sizeof(pullcred_host),
                                        PULLCRED_ABI_MAJOR,
                                        PULLCRED_ABI_MINOR,
                                        this,
                                        &HostServices::log,
                                        &HostServices::now_unix_ms,
                                        &HostServices::deadline_unix_ms,
                                        &HostServices::credentials_for_profile,
                                        &HostServices::http,
                                        &HostServices::sign_sigv4} {}

void HostServices::log(void *ctx, pullcred_log_level level, pullcred_str message) {
    log::write(to_level(level), sdk::view(message), self(ctx).component_);
}

std::int64_t HostServices::now_unix_ms(void *ctx) {
    return self(ctx).environment_->now_unix_ms();
}

std::int64_t HostServices::deadline_unix_ms(void *ctx) {
    return self(ctx).environment_->deadline_unix_ms;
}

pullcred_status HostServices::credentials_for_profile(void *ctx, const pullcred_credentials_request *request,
                                                      pullcred_credentials_sink *out,
                                                      pullcred_text_sink *error) {
    const auto &resolve = self(ctx).environment_->credentials_for_profile;
    if (!resolve) {
        write_error(error, "no credential resolver in this context");
        return PULLCRED_FAILED;
    }
    auto credentials = resolve(sdk::view(request->profile), sdk::view(request->region_hint));
    if (!credentials) {
        write_error(error, credentials.error().message);
        return PULLCRED_FAILED;
    }
    for (const auto &[name, value] : credentials->fields)
        out->set_field(out->ctx, sdk::str(name), sdk::str(value));
    if (credentials->expires_unix) out->set_expiry(out->ctx, *credentials->expires_unix);
    return PULLCRED_OK;
}

pullcred_status HostServices::http(void *ctx, const pullcred_http_request *request,
                                   pullcred_http_response_sink *out, pullcred_text_sink *error) {
    const auto *environment = self(ctx).environment_;
    auto services = environment->net_services();
    if (!services) {
        write_error(error, services.error().message);
        return PULLCRED_FAILED;
    }
    return (*services)->http(request, out, error, environment->http_policy);
}

pullcred_status HostServices::sign_sigv4(void *ctx, const pullcred_http_request *request,
                                         const pullcred_sigv4_params *params, pullcred_header_sink *out,
                                         pullcred_text_sink *error) {
    const auto *environment = self(ctx).environment_;
    auto services = environment->net_services();
    if (!services) {
        write_error(error, services.error().message);
        return PULLCRED_FAILED;
    }
    log::register_secret(sdk::view(params->secret_access_key));
    log::register_secret(sdk::view(params->session_token));
    return (*services)->sign_sigv4(request, params, out, error, environment->now_unix_ms());
}

} // namespace pullcred::modules
