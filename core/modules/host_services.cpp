#include "modules/host_services.hpp"

#include <cstdlib>
#include <set>

#include "log/logger.hpp"
#include "log/redact.hpp"
#include "modules/rejected_credentials.hpp"
#include "text/quote.hpp"
#include "util/input_file.hpp"

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

// Passes a reply through to the module while keeping what tells whether AWS
// refused the signing credentials.
class RefusalWatch {
public:
    explicit RefusalWatch(pullcred_http_response_sink *inner) : inner_(inner) {}

    pullcred_http_response_sink sink() {
        return {sizeof(pullcred_http_response_sink), this,
                [](void *ctx, std::int32_t code) {
                    auto &watch = *static_cast<RefusalWatch *>(ctx);
                    watch.status_ = code;
                    watch.inner_->status(watch.inner_->ctx, code);
                },
                [](void *ctx, pullcred_str name, pullcred_str value) {
                    auto &watch = *static_cast<RefusalWatch *>(ctx);
                    if (sdk::detail::iequals(sdk::view(name), "x-amzn-ErrorType"))
                        watch.error_type_ = sdk::view(value).substr(0, kKept);
                    watch.inner_->header(watch.inner_->ctx, name, value);
                },
                [](void *ctx, pullcred_str chunk) {
                    auto &watch = *static_cast<RefusalWatch *>(ctx);
                    if (watch.body_start_.size() < kKept)
                        watch.body_start_.append(
                            sdk::view(chunk).substr(0, kKept - watch.body_start_.size()));
                    watch.inner_->body(watch.inner_->ctx, chunk);
                }};
    }
    [[nodiscard]] bool refused() const { return credentials_refused(status_, error_type_, body_start_); }

private:
    static constexpr std::size_t kKept = 4096;
    pullcred_http_response_sink *inner_;
    int status_ = 0;
    std::string error_type_;
    std::string body_start_;
};
// One warning per endpoint and run for a request that leaves in clear text
// or whose server is not verified.
void warn_about_transport(const pullcred_http_request &request) {
    // Instance and container metadata endpoints are plain http on the node itself.
    if ((request.flags & PULLCRED_HTTP_METADATA) != 0u) return;
    static std::set<std::string, std::less<>> warned;
    const auto url = sdk::view(request.url);
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return;
    const auto origin = url.substr(0, url.find('/', scheme_end + 3));
    auto host = origin.substr(scheme_end + 3);
    host = host.substr(0, host[0] == '[' ? host.find(']') + 1 : host.find(':'));
    if (url.substr(0, scheme_end) == "http" && warned.insert("plain " + std::string(origin)).second)
        log::warn(text::quote_bounded(origin) +
                  " is a plaintext http:// endpoint: AWS requests and the credentials they return cross the "
                  "network unencrypted; use an https:// URL");
    if ((request.flags & PULLCRED_HTTP_INSECURE_SKIP_VERIFY) != 0u && url.substr(0, scheme_end) == "https" &&
        warned.insert("insecure " + std::string(host)).second)
        log::warn(
            "TLS verification is disabled for " + text::quote_bounded(host) +
            " (noVerifySsl or --no-verify-ssl): whoever intercepts the connection gets the credentials; "
            "remove the setting and trust the server's CA with AWS_CA_BUNDLE instead");
}
} // namespace

HostServices::HostServices(std::string component, std::string_view factory,
                           const HostEnvironment *environment)
    : component_(std::move(component)), label_(component_ + " (" + std::string(factory) + ")"),
      environment_(environment), table_{sizeof(pullcred_host),
                                        PULLCRED_ABI_MAJOR,
                                        PULLCRED_ABI_MINOR,
                                        this,
                                        &HostServices::log,
                                        &HostServices::now_unix_ms,
                                        &HostServices::deadline_unix_ms,
                                        &HostServices::credentials_for_profile,
                                        &HostServices::http,
                                        &HostServices::sign_sigv4,
                                        &HostServices::read_file,
                                        &HostServices::get_env,
                                        &HostServices::credentials_from_source} {}

void HostServices::log(void *ctx, pullcred_log_level level, pullcred_str message) {
    log::write(to_level(level), sdk::view(message), self(ctx).label_);
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
        return credentials.error().status();
    }
    sdk::detail::write_credentials(*credentials, out);
    return PULLCRED_OK;
}

pullcred_status HostServices::credentials_from_source(void *ctx, pullcred_str factory,
                                                      pullcred_str config_json,
                                                      const pullcred_credentials_request *request,
                                                      pullcred_credentials_sink *out,
                                                      pullcred_text_sink *error) {
    const auto &host = self(ctx);
    const auto &run = host.environment_->credentials_from_source;
    if (!run) {
        write_error(error, "no module can be run for another source in this context");
        return PULLCRED_NOT_APPLICABLE;
    }
    auto credentials = run(host.component_, sdk::view(factory), sdk::view(config_json),
                           sdk::detail::credentials_request(*request));
    if (!credentials) {
        write_error(error, credentials.error().message);
        return credentials.error().status();
    }
    sdk::detail::write_credentials(*credentials, out);
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
    warn_about_transport(*request);
    const auto signer = signing_access_key(*request);
    if (!signer || environment->refused_access_keys == nullptr)
        return (*services)->http(request, out, error, environment->http_policy);
    RefusalWatch watch{out};
    auto watching = watch.sink();
    const auto code = (*services)->http(request, &watching, error, environment->http_policy);
    if (watch.refused()) environment->refused_access_keys->insert(*signer);
    return code;
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

std::optional<std::string> recorded_env(const HostEnvironment &environment, const std::string &name) {
    const char *value = std::getenv(name.c_str()); // NOLINT(concurrency-mt-unsafe): read-only use
    std::optional<std::string> result = value == nullptr ? std::nullopt : std::optional<std::string>(value);
    if (environment.inputs != nullptr) environment.inputs->add_env(name, result);
    return result;
}

pullcred_status HostServices::read_file(void *ctx, pullcred_str path, std::uint32_t flags,
                                        pullcred_text_sink *out, pullcred_text_sink *error) {
    const std::string file(sdk::view(path));
    const bool program = (flags & PULLCRED_INPUT_PROGRAM) != 0;
    auto input =
        read_input_file(file, program ? "program" : "file", program ? InputUse::program : InputUse::content);
    if (!input) {
        write_error(error, input.error().message);
        return PULLCRED_FAILED;
    }
    auto *inputs = self(ctx).environment_->inputs;
    if (inputs != nullptr)
        inputs->add_file(file, *input ? std::optional<FileIdentity>((*input)->identity) : std::nullopt,
                         *input && !program ? std::optional<std::string_view>((*input)->content)
                                            : std::nullopt);
    if (!*input) return PULLCRED_NOT_APPLICABLE;
    if (out != nullptr && out->write != nullptr) out->write(out->ctx, sdk::str((*input)->content));
    return PULLCRED_OK;
}

pullcred_status HostServices::get_env(void *ctx, pullcred_str name, pullcred_text_sink *out) {
    auto value = recorded_env(*self(ctx).environment_, std::string(sdk::view(name)));
    if (!value) return PULLCRED_NOT_APPLICABLE;
    if (out != nullptr && out->write != nullptr) out->write(out->ctx, sdk::str(*value));
    return PULLCRED_OK;
}

} // namespace pullcred::modules
