#include "http/curl_client.hpp"

#include "http/abi_text.hpp"
#include "http/proxy.hpp"
#include "http/retry_policy.hpp"
#include "http/trust_store.hpp"
#include "util/input_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <curl/curl.h>
#include <memory>
#include <openssl/ssl.h>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <unistd.h>

#ifndef PULLCRED_VERSION
#define PULLCRED_VERSION "unknown"
#endif

namespace pullcred::net {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct EasyDeleter {
    void operator()(CURL *handle) const { curl_easy_cleanup(handle); }
};
struct SlistDeleter {
    void operator()(curl_slist *list) const { curl_slist_free_all(list); }
};
struct UrlDeleter {
    void operator()(CURLU *url) const { curl_url_cleanup(url); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;
using HeaderList = std::unique_ptr<curl_slist, SlistDeleter>;

// A failure that retrying cannot fix, or a problem with the request itself.
struct Failure {
    pullcred_status status;
    std::string text;
};

std::string format_seconds(milliseconds duration) {
    const auto count = duration.count();
    char buffer[32];
    if (count % 1000 == 0) {
        (void)std::snprintf(buffer, sizeof buffer, "%lld s", static_cast<long long>(count / 1000));
    } else {
        (void)std::snprintf(buffer, sizeof buffer, "%.1f s", static_cast<double>(count) / 1000.0);
    }
    return buffer;
}

std::string lower_ascii(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    return lower_ascii(a) == lower_ascii(b);
}

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

// RFC 9110 token characters.
bool is_token(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    });
}

// No control characters but HTAB: no CR/LF injection.
bool is_field_value(std::string_view text) {
    return std::none_of(text.begin(), text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return (byte < 0x20 && c != '\t') || byte == 0x7f;
    });
}

// ---- The URL, as libcurl will use it ----

struct UrlParts {
    std::string scheme; // "http" or "https"
    std::string host;   // IPv6 literals in brackets
    std::uint16_t port = 0;
    std::string query;
    std::string described; // scheme://host[:port]/path: safe for error texts
};

std::string url_part(CURLU *url, CURLUPart part, unsigned flags = 0) {
    char *value = nullptr;
    if (curl_url_get(url, part, &value, flags) != CURLUE_OK || value == nullptr) return {};
    std::string out(value);
    curl_free(value);
    return out;
}

std::optional<UrlParts> parse_url(const std::string &text, std::string &problem) {
    std::unique_ptr<CURLU, UrlDeleter> url(curl_url());
    if (!url) {
        problem = "out of memory";
        return std::nullopt;
    }
    // Any scheme parses, so that the check below names the one allowed even
    // when libcurl is built without the URL's protocol.
    if (const auto code = curl_url_set(url.get(), CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME);
        code != CURLUE_OK) {
        problem = std::string("the URL is malformed (") + curl_url_strerror(code) + ")";
        return std::nullopt;
    }
    UrlParts parts;
    parts.scheme = lower_ascii(url_part(url.get(), CURLUPART_SCHEME));
    if (parts.scheme != "http" && parts.scheme != "https") {
        problem = "only http:// and https:// URLs are allowed (the URL's scheme is '" + parts.scheme + "')";
        return std::nullopt;
    }
    parts.host = url_part(url.get(), CURLUPART_HOST);
    if (parts.host.empty()) {
        problem = "the URL has no host";
        return std::nullopt;
    }
    const std::string port = url_part(url.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
    parts.port = static_cast<std::uint16_t>(std::strtoul(port.c_str(), nullptr, 10));
    const std::string explicit_port = url_part(url.get(), CURLUPART_PORT);
    parts.query = url_part(url.get(), CURLUPART_QUERY);
    std::string path = url_part(url.get(), CURLUPART_PATH);
    if (path.empty()) path = "/";
    parts.described =
        parts.scheme + "://" + parts.host + (explicit_port.empty() ? "" : ":" + explicit_port) + path;
    return parts;
}

// ---- CA bundle ----

struct CaBundle {
    std::string path;   // empty: libcurl's default
    std::string source; // where the path came from, for error texts
};

CaBundle choose_ca_bundle(const pullcred_http_request &request, bool has_ca_field, const HttpPolicy &policy) {
    if (has_ca_field && !view(request.ca_bundle).empty()) {
        return {std::string(view(request.ca_bundle)), "the request's ca_bundle"};
    }
    if (auto env = process_env("AWS_CA_BUNDLE"); env && !env->empty()) return {*env, "AWS_CA_BUNDLE"};
    if (!policy.ca_bundle.empty()) return {policy.ca_bundle, "pullcred's ca_bundle setting"};
    return {};
}

// What TLS verification trusted, for error texts.
std::string describe_trust(const CaBundle &bundle, const SystemCas &system,
                           std::optional<SystemLookup> lookup) {
    if (!bundle.path.empty()) return bundle.path + " (from " + bundle.source + ")";
    if (lookup == SystemLookup::directory) return "the system's, " + system.directory + " (by subject hash)";
    const auto file = system_bundle(system);
    return "the system's, " + (file.empty() ? "none of its bundle files" : file);
}

// ---- One attempt ----

struct Attempt {
    CURLcode code = CURLE_OK;
    long status = 0;
    ResponseHeaders headers;
    std::string body;
    bool body_too_large = false;
    bool status_line_seen = false; // a response had begun
    bool connected = false;        // TCP connected (to the server or the proxy)
    bool tls_done = false;         // the TLS handshake finished (https)
    char error_buffer[CURL_ERROR_SIZE] = {};
};

std::size_t on_header(char *data, std::size_t size, std::size_t count, void *context) {
    auto &attempt = *static_cast<Attempt *>(context);
    const std::size_t length = size * count;
    std::string_view line(data, length);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (line.substr(0, 5) == "HTTP/") {
        attempt.status_line_seen = true;
        attempt.headers.clear(); // a new response (after 100 Continue, for example)
        return length;
    }
    if (line.empty()) return length;
    if ((line.front() == ' ' || line.front() == '\t') && !attempt.headers.empty()) {
        attempt.headers.back().second += ' ';
        attempt.headers.back().second += trim(line); // obsolete line folding
        return length;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return length;
    attempt.headers.emplace_back(std::string(trim(line.substr(0, colon))),
                                 std::string(trim(line.substr(colon + 1))));
    return length;
}

std::size_t on_body(char *data, std::size_t size, std::size_t count, void *context) {
    auto &attempt = *static_cast<Attempt *>(context);
    const std::size_t length = size * count;
    if (attempt.body.size() + length > kMaxResponseBodyBytes) {
        attempt.body_too_large = true;
        return 0; // aborts the transfer with CURLE_WRITE_ERROR
    }
    attempt.body.append(data, length);
    return length;
}

bool is_retryable_code(CURLcode code) {
    switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_PARTIAL_FILE:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_AGAIN:
#if LIBCURL_VERSION_NUM >= 0x074900 // 7.73
    case CURLE_PROXY:
#endif
        return true;
    default:
        return false;
    }
}

std::string what_failed(const Attempt &attempt, milliseconds timeout, bool https) {
    const auto connect_timeout = std::min(timeout, kConnectTimeout);
    if (attempt.code == CURLE_OPERATION_TIMEDOUT && !attempt.connected)
        return "could not connect within " + format_seconds(connect_timeout) +
               " (no answer to the connection attempt: a firewall dropping packets, or a wrong address or "
               "port)";
    if (attempt.code == CURLE_OPERATION_TIMEDOUT && https && !attempt.tls_done)
        return "connected, but the TLS handshake did not finish within " + format_seconds(connect_timeout);
    switch (attempt.code) {
    case CURLE_COULDNT_RESOLVE_HOST:
        return "could not resolve the host name";
    case CURLE_COULDNT_RESOLVE_PROXY:
        return "could not resolve the proxy's host name";
    case CURLE_COULDNT_CONNECT:
        return "could not connect (connection refused or host unreachable)";
    case CURLE_OPERATION_TIMEDOUT:
        return "no complete answer within " + format_seconds(timeout);
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
        return "the connection was reset or broken";
    case CURLE_GOT_NOTHING:
        return "the server closed the connection without answering";
    case CURLE_PARTIAL_FILE:
        return "the answer was cut short";
    case CURLE_SSL_CONNECT_ERROR:
        return "the TLS handshake failed";
    default:
        return "the request failed";
    }
}

// Removes `secret` from `text` wherever it appears.
void scrub(std::string &text, std::string_view secret, std::string_view replacement) {
    if (secret.size() < 2) return;
    for (auto position = text.find(secret); position != std::string::npos;
         position = text.find(secret, position + replacement.size())) {
        text.replace(position, secret.size(), replacement);
    }
}

// libcurl's SSL_CTX callback: the connection verifies against the exchange's store.
CURLcode use_trust_store(CURL * /*handle*/, void *ssl_ctx, void *store) {
    SSL_CTX_set1_cert_store(static_cast<SSL_CTX *>(ssl_ctx), static_cast<X509_STORE *>(store));
    return CURLE_OK;
}

// ---- The exchange ----

class Exchange {
public:
    Exchange(const pullcred_http_request &request, bool has_flags, bool has_ca_field,
             const HttpPolicy &policy)
        : request_(request), policy_(policy), flags_(has_flags ? request.flags : 0u),
          ca_(choose_ca_bundle(request, has_ca_field, policy)), system_cas_{policy.system_ca_directory,
                                                                            policy.system_ca_bundles} {}

    // Returns the final attempt's response (OK), or a failure.
    pullcred_status run(pullcred_http_response_sink *out, pullcred_text_sink *error);

private:
    std::optional<Failure> prepare();
    std::optional<Failure> choose_trust();
    bool widen_trust();
    bool use_system_bundle(std::string &error);
    void perform(Attempt &attempt, milliseconds timeout);
    [[nodiscard]] std::string prefix() const { return method_ + " " + url_.described; }
    [[nodiscard]] std::string via_proxy() const {
        return proxy_.url.empty()
                   ? std::string()
                   : " via proxy " + redact_proxy_url(proxy_.url) + " (from " + proxy_.variable + ")";
    }
    [[nodiscard]] std::string curl_detail(const Attempt &attempt) const;
    [[nodiscard]] Failure permanent_failure(const Attempt &attempt);
    [[nodiscard]] std::string retry_after_refused(const Attempt &last, milliseconds asked,
                                                  std::optional<milliseconds> remaining, int attempts) const;

    const pullcred_http_request &request_;
    const HttpPolicy &policy_;
    std::uint32_t flags_;
    CaBundle ca_;
    SystemCas system_cas_;
    std::optional<SystemLookup> system_lookup_; // set when the system's CAs are used
    StorePtr trust_;                            // what every TLS connection of the exchange verifies against
    std::string method_;
    std::string url_text_;
    UrlParts url_;
    ProxyChoice proxy_;
    EasyHandle handle_;
    HeaderList headers_;
};

std::optional<Failure> Exchange::prepare() {
    method_ = std::string(view(request_.method));
    if (!is_token(method_))
        return Failure{PULLCRED_FAILED, "HTTP request with a missing or malformed method"};
    url_text_ = std::string(view(request_.url));
    if (url_text_.find('\0') != std::string::npos) {
        return Failure{PULLCRED_FAILED, method_ + " request: the URL has a NUL character"};
    }
    std::string problem;
    auto parts = parse_url(url_text_, problem);
    if (!parts) return Failure{PULLCRED_FAILED, method_ + " request: " + problem};
    url_ = std::move(*parts);

    if ((flags_ & PULLCRED_HTTP_IGNORE_PROXY) == 0u) proxy_ = choose_proxy(url_.scheme, url_.host, url_.port);
    if (proxy_.url.empty()) proxy_.variable.clear();

    handle_.reset(curl_easy_init());
    if (!handle_) return Failure{PULLCRED_FAILED, prefix() + ": cannot create a libcurl handle"};
    CURL *handle = handle_.get();

    bool has_content_type = false;
    bool has_expect = false;
    auto append = [&](const std::string &line) {
        curl_slist *grown = curl_slist_append(headers_.get(), line.c_str());
        if (grown == nullptr) return false;
        if (!headers_) headers_.reset(grown); // the head only changes when the list was empty
        return true;
    };
    for (std::size_t i = 0; i < request_.header_count; ++i) {
        const auto name = view(request_.headers[i].name);
        const auto value = view(request_.headers[i].value);
        if (!is_token(name)) {
            return Failure{PULLCRED_FAILED,
                           prefix() + ": request header #" + std::to_string(i + 1) + " has a malformed name"};
        }
        if (!is_field_value(value)) {
            return Failure{PULLCRED_FAILED, prefix() + ": the value of request header " + std::string(name) +
                                                " has control characters"};
        }
        has_content_type = has_content_type || iequals(name, "content-type");
        has_expect = has_expect || iequals(name, "expect");
        // "Name;" is libcurl's way to send a header with an empty value.
        const std::string line =
            value.empty() ? std::string(name) + ";" : std::string(name) + ": " + std::string(value);
        if (!append(line)) return Failure{PULLCRED_FAILED, prefix() + ": out of memory"};
    }
    if (!has_expect && !append("Expect:")) return Failure{PULLCRED_FAILED, prefix() + ": out of memory"};

    const auto body = view(request_.body);
    if (method_ == "GET" && body.empty()) {
        curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
    } else if (method_ == "HEAD" && body.empty()) {
        curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
    } else {
        // Without this, libcurl would add a form Content-Type of its own.
        if (!has_content_type && !append("Content-Type:")) {
            return Failure{PULLCRED_FAILED, prefix() + ": out of memory"};
        }
        curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
        curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body.empty() ? "" : body.data());
        if (method_ != "POST") curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, method_.c_str());
    }

    curl_easy_setopt(handle, CURLOPT_URL, url_text_.c_str());
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers_.get());
    curl_easy_setopt(handle, CURLOPT_USERAGENT, "pullcred/" PULLCRED_VERSION);
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 1L);
    curl_easy_setopt(handle, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(kMaxResponseBodyBytes));
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &on_body);

    // Proxy: ours, or explicitly none (an empty string also stops libcurl
    // from reading the proxy variables itself).
    curl_easy_setopt(handle, CURLOPT_PROXY, proxy_.url.c_str());
    curl_easy_setopt(handle, CURLOPT_NOPROXY, ""); // NO_PROXY was applied above
    curl_easy_setopt(handle, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);

    const bool insecure = (flags_ & PULLCRED_HTTP_INSECURE_SKIP_VERIFY) != 0u;
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, insecure ? 0L : 1L);
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, insecure ? 0L : 2L);
    curl_easy_setopt(handle, CURLOPT_PROXY_SSL_VERIFYPEER, insecure ? 0L : 1L);
    curl_easy_setopt(handle, CURLOPT_PROXY_SSL_VERIFYHOST, insecure ? 0L : 2L);
    // libcurl reads no CA file of its own: every connection gets trust_ (http/trust_store.hpp).
    curl_easy_setopt(handle, CURLOPT_CAINFO, nullptr);
    curl_easy_setopt(handle, CURLOPT_CAPATH, nullptr);
    curl_easy_setopt(handle, CURLOPT_PROXY_CAINFO, nullptr);
    curl_easy_setopt(handle, CURLOPT_PROXY_CAPATH, nullptr);
    const bool tls = url_.scheme == "https" || proxy_.url.rfind("https://", 0) == 0;
    if (insecure || !tls) return std::nullopt;
    if (auto failure = choose_trust()) return failure;
    curl_easy_setopt(handle, CURLOPT_SSL_CTX_FUNCTION, &use_trust_store);
#if LIBCURL_VERSION_NUM >= 0x075700 // 7.87: libcurl's own store cache would put its store back
    curl_easy_setopt(handle, CURLOPT_CA_CACHE_TIMEOUT, 0L);
#endif
    curl_easy_setopt(handle, CURLOPT_SSL_CTX_DATA, trust_.get());
    return std::nullopt;
}

std::optional<Failure> Exchange::choose_trust() {
    std::string error;
    if (ca_.path.empty()) {
        system_lookup_ = SystemLookup::directory;
        trust_ = system_store(system_cas_, SystemLookup::directory, error);
        if (!trust_ && !use_system_bundle(error))
            return Failure{PULLCRED_FAILED, prefix() + ": TLS: " + error};
        return std::nullopt;
    }
    if (::access(ca_.path.c_str(), R_OK) != 0) {
        const int saved = errno;
        return Failure{PULLCRED_FAILED, prefix() + ": cannot read the CA bundle " + ca_.path + " (from " +
                                            ca_.source + "): " + std::strerror(saved)};
    }
    // It decides whom pullcred believes: trust-checked, then read once.
    constexpr std::size_t kCaBundleCap = std::size_t{16} * 1024 * 1024; // the system's is 0.2 MiB
    auto checked = read_input_file(ca_.path, "CA bundle", InputUse::content, kCaBundleCap);
    if (!checked)
        return Failure{PULLCRED_FAILED,
                       prefix() + ": " + checked.error().message + " (from " + ca_.source + ")"};
    if (!*checked)
        return Failure{PULLCRED_FAILED, prefix() + ": cannot read the CA bundle " + ca_.path + " (from " +
                                            ca_.source + "): no such file"};
    trust_ = bundle_store((*checked)->content, error);
    if (!trust_)
        return Failure{PULLCRED_FAILED,
                       prefix() + ": TLS: the CA bundle " + ca_.path + " (from " + ca_.source + ") " + error};
    return std::nullopt;
}

// After a server the system's directory did not vouch for: the system bundle
// file too, in case it holds a CA the directory was not rehashed for.
bool Exchange::widen_trust() {
    std::string ignored; // the directory's verdict stands when there is no bundle
    if (system_lookup_ != SystemLookup::directory || !use_system_bundle(ignored)) return false;
    curl_easy_setopt(handle_.get(), CURLOPT_SSL_CTX_DATA, trust_.get());
    return true;
}

bool Exchange::use_system_bundle(std::string &error) {
    auto store = system_store(system_cas_, SystemLookup::bundle, error);
    if (!store) return false;
    system_lookup_ = SystemLookup::bundle;
    trust_ = std::move(store);
    return true;
}

void Exchange::perform(Attempt &attempt, milliseconds timeout) {
    CURL *handle = handle_.get();
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(std::max<milliseconds::rep>(timeout.count(), 1)));
    curl_easy_setopt(
        handle, CURLOPT_CONNECTTIMEOUT_MS,
        static_cast<long>(std::max<milliseconds::rep>(std::min(timeout, kConnectTimeout).count(), 1)));
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, attempt.error_buffer);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, &attempt);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &attempt);
    attempt.code = curl_easy_perform(handle);
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, nullptr);
    curl_off_t connect_time = 0;
    curl_off_t tls_time = 0;
    attempt.connected =
        curl_easy_getinfo(handle, CURLINFO_CONNECT_TIME_T, &connect_time) == CURLE_OK && connect_time > 0;
    attempt.tls_done =
        curl_easy_getinfo(handle, CURLINFO_APPCONNECT_TIME_T, &tls_time) == CURLE_OK && tls_time > 0;
    if (attempt.code == CURLE_OK) curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &attempt.status);
}

std::string Exchange::curl_detail(const Attempt &attempt) const {
    std::string detail =
        attempt.error_buffer[0] != '\0' ? attempt.error_buffer : curl_easy_strerror(attempt.code);
    // libcurl's messages name hosts, not URLs; make sure of it anyway.
    scrub(detail, url_text_, url_.described);
    scrub(detail, url_.query, "<query>");
    if (!proxy_.url.empty()) scrub(detail, proxy_.url, redact_proxy_url(proxy_.url));
    return detail;
}

Failure Exchange::permanent_failure(const Attempt &attempt) {
    const std::string detail = curl_detail(attempt);
    switch (attempt.code) {
    case CURLE_PEER_FAILED_VERIFICATION:
        return {PULLCRED_FAILED,
                prefix() + via_proxy() + ": TLS: the server certificate of " + url_.host +
                    " was not trusted (" + detail +
                    "); CA bundle used: " + describe_trust(ca_, system_cas_, system_lookup_) +
                    ". Point AWS_CA_BUNDLE or ca_bundle at a PEM file holding the CA that issued "
                    "the server's certificate (or that of a TLS-intercepting proxy)"};
    case CURLE_UNSUPPORTED_PROTOCOL:
        return {PULLCRED_FAILED, prefix() + ": only http and https are allowed (" + detail + ")"};
    case CURLE_OUT_OF_MEMORY:
        // libcurl's answer to a header line longer than it buffers (100 KB).
        if (attempt.status_line_seen)
            return {PULLCRED_FAILED,
                    prefix() + via_proxy() +
                        ": the response has a header line larger than libcurl accepts (100 KB); "
                        "this is not an AWS answer: check the endpoint URL and the proxy"};
        return {PULLCRED_FAILED, prefix() + via_proxy() + ": out of memory (" + detail + ")"};
    default:
        return {PULLCRED_FAILED, prefix() + via_proxy() + ": " + detail};
    }
}

void deliver(const Attempt &attempt, pullcred_http_response_sink *out) {
    if (out == nullptr) return;
    if (out->status != nullptr) out->status(out->ctx, static_cast<std::int32_t>(attempt.status));
    if (out->header != nullptr) {
        for (const auto &[name, value] : attempt.headers) out->header(out->ctx, to_str(name), to_str(value));
    }
    if (out->body != nullptr && !attempt.body.empty()) out->body(out->ctx, to_str(attempt.body));
}

std::mt19937_64 &jitter_source() {
    thread_local std::mt19937_64 random{std::random_device{}()};
    return random;
}

// The server's Retry-After does not fit before the deadline (or is longer
// than pullcred waits): give up now rather than call again too early.
std::string Exchange::retry_after_refused(const Attempt &last, milliseconds asked,
                                          std::optional<milliseconds> remaining, int attempts) const {
    const bool throttled = is_throttling_response(last.status, last.headers, last.body);
    auto code = aws_error_code(last.headers, last.body);
    if (code.size() > 64 || !is_token(code))
        code.clear(); // the body is the server's: quote only a plain code
    std::string text = prefix() + via_proxy() + ": " + (throttled ? "throttled: " : "") + "HTTP " +
                       std::to_string(last.status) + (code.empty() ? "" : " " + code) + " after " +
                       std::to_string(attempts) + (attempts == 1 ? " attempt" : " attempts");
    text += asked == milliseconds::max() ? std::string(" asks to wait years (Retry-After)")
                                         : " asks to wait " + format_seconds(asked) + " (Retry-After)";
    text += remaining ? ", longer than the " + format_seconds(*remaining) + " left before the deadline"
                      : ", longer than pullcred waits (" + format_seconds(kMaxRetryAfter) + ")";
    text += "; the next request tries again (if this persists, raise the AWS request quota or spread the "
            "callers)";
    return text;
}

pullcred_status Exchange::run(pullcred_http_response_sink *out, pullcred_text_sink *error) {
    if (auto failure = prepare()) {
        write_text(error, failure->text);
        return failure->status;
    }

    const auto start = Clock::now();
    const std::int64_t start_unix_ms =
        policy_.now_unix_ms != nullptr
            ? policy_.now_unix_ms()
            : std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                  .count();
    // The host's time now, as the start read on its clock plus what has passed since.
    const auto wall_now = [&] {
        return std::chrono::system_clock::time_point(milliseconds(start_unix_ms)) + (Clock::now() - start);
    };
    std::optional<Clock::time_point> deadline;
    milliseconds deadline_budget{0};
    if (policy_.deadline_unix_ms > 0) {
        deadline_budget = milliseconds(policy_.deadline_unix_ms - start_unix_ms);
        deadline = start + deadline_budget;
    }
    const bool metadata = (flags_ & PULLCRED_HTTP_METADATA) != 0u;
    const milliseconds attempt_timeout =
        metadata ? kMetadataTimeout
                 : (policy_.attempt_timeout.count() > 0 ? policy_.attempt_timeout : kDefaultAttemptTimeout);
    const int max_attempts =
        metadata ? 1 : effective_max_attempts(policy_.max_attempts, process_env("AWS_MAX_ATTEMPTS"));

    std::optional<Attempt> last_response;
    std::string last_failure;
    int attempts_made = 0;
    bool deadline_reached = false;
    for (int number = 1; number <= max_attempts; ++number) {
        if (number > 1) {
            const bool throttled =
                last_response &&
                is_throttling_response(last_response->status, last_response->headers, last_response->body);
            const auto asked = last_response ? retry_after(last_response->headers, wall_now()) : std::nullopt;
            std::optional<milliseconds> remaining;
            if (deadline) remaining = std::chrono::duration_cast<milliseconds>(*deadline - Clock::now());
            const auto plan =
                plan_retry(backoff_delay(number - 1, jitter_source(), throttled), asked, remaining);
            if (plan.verdict == RetryVerdict::throttled) {
                write_text(error, retry_after_refused(*last_response, *asked, remaining, attempts_made));
                return PULLCRED_RETRYABLE;
            }
            if (plan.verdict == RetryVerdict::deadline) {
                deadline_reached = true;
                break;
            }
            std::this_thread::sleep_for(plan.delay);
        }
        milliseconds timeout = attempt_timeout;
        bool clipped = false;
        if (deadline) {
            const auto remaining = std::chrono::duration_cast<milliseconds>(*deadline - Clock::now());
            if (remaining.count() <= 0) {
                deadline_reached = true;
                break;
            }
            if (remaining < timeout) {
                timeout = remaining;
                clipped = true;
            }
        }

        const auto attempt_start = Clock::now();
        auto attempt = std::make_unique<Attempt>();
        perform(*attempt, timeout);
        if (attempt->code == CURLE_PEER_FAILED_VERIFICATION && widen_trust()) {
            const auto left =
                timeout - std::chrono::duration_cast<milliseconds>(Clock::now() - attempt_start);
            attempt = std::make_unique<Attempt>();
            perform(*attempt, std::max(left, milliseconds(1)));
        }
        ++attempts_made;
        if (attempt->code == CURLE_OK) {
            if (!is_retryable_response(attempt->status, attempt->headers, attempt->body)) {
                deliver(*attempt, out);
                return PULLCRED_OK;
            }
            last_response = std::move(*attempt);
            last_failure.clear();
            continue;
        }
        last_response.reset();
        if (attempt->body_too_large || attempt->code == CURLE_FILESIZE_EXCEEDED) {
            long status = 0;
            curl_easy_getinfo(handle_.get(), CURLINFO_RESPONSE_CODE, &status);
            write_text(error, prefix() + ": the response body (HTTP " + std::to_string(status) +
                                  ") is larger than the limit of " +
                                  std::to_string(kMaxResponseBodyBytes / (1024 * 1024)) + " MiB");
            return PULLCRED_FAILED;
        }
        if (!is_retryable_code(attempt->code)) {
            const auto failure = permanent_failure(*attempt);
            write_text(error, failure.text);
            return failure.status;
        }
        last_failure = what_failed(*attempt, timeout, url_.scheme == "https") + ": " + curl_detail(*attempt);
        // A connect timeout shorter than the attempt's is not the deadline's doing.
        const bool connect_phase = !attempt->connected || (url_.scheme == "https" && !attempt->tls_done);
        if (attempt->code == CURLE_OPERATION_TIMEDOUT && clipped &&
            (!connect_phase || timeout <= kConnectTimeout)) {
            deadline_reached = true;
            break;
        }
    }

    if (last_response) {
        deliver(*last_response, out);
        return PULLCRED_OK;
    }
    std::string text = prefix() + via_proxy() + ": ";
    if (attempts_made == 0) {
        text += "not sent: the deadline had already passed";
    } else {
        text += "no HTTP response after " + std::to_string(attempts_made) +
                (attempts_made == 1 ? " attempt" : " attempts") + "; last error: " + last_failure;
        if (deadline_reached) {
            const auto named = policy_.deadline.count() > 0 ? policy_.deadline : deadline_budget;
            text += "; stopped: deadline of " + format_seconds(named) + " reached";
        }
    }
    write_text(error, text);
    return PULLCRED_RETRYABLE;
}

} // namespace

pullcred_status perform_http(const pullcred_http_request *request, pullcred_http_response_sink *out,
                             pullcred_text_sink *error, const HttpPolicy &policy) {
    if (request == nullptr) {
        write_text(error, "HTTP: no request");
        return PULLCRED_FAILED;
    }
    constexpr std::size_t kRequired = offsetof(pullcred_http_request, body) + sizeof(pullcred_str);
    if (request->struct_size < kRequired) {
        write_text(error, "HTTP: the request structure is too small (struct_size " +
                              std::to_string(request->struct_size) + ")");
        return PULLCRED_FAILED;
    }
    if (request->header_count > 0 && request->headers == nullptr) {
        write_text(error, "HTTP: header_count is set but headers is NULL");
        return PULLCRED_FAILED;
    }
    const bool has_flags =
        request->struct_size >= offsetof(pullcred_http_request, flags) + sizeof(std::uint32_t);
    const bool has_ca_field =
        request->struct_size >= offsetof(pullcred_http_request, ca_bundle) + sizeof(pullcred_str);
    Exchange exchange(*request, has_flags, has_ca_field, policy);
    return exchange.run(out, error);
}

} // namespace pullcred::net
