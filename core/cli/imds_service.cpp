#include "cli/imds_service.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <pullcred/base64.hpp>
#include <sys/random.h>
#include <utility>

#include "log/logger.hpp"

namespace pullcred::cli::imds {

namespace {

constexpr std::string_view kTokenPath = "/latest/api/token";
constexpr std::string_view kCredentialsPath = "/latest/meta-data/iam/security-credentials";
constexpr std::string_view kTokenHeader = "x-aws-ec2-metadata-token";
constexpr std::string_view kTtlHeader = "x-aws-ec2-metadata-token-ttl-seconds";

// Beast 1.74 takes boost::string_view.
boost::beast::string_view bsv(std::string_view text) {
    return {text.data(), text.size()};
}

Response reply(const Request &request, http::status status, std::string body,
               std::string_view content_type = "text/plain") {
    Response response{status, request.version()};
    response.set(http::field::server, "pullcred");
    response.set(http::field::content_type, bsv(content_type));
    response.keep_alive(request.keep_alive());
    response.body() = std::move(body);
    response.prepare_payload();
    return response;
}

bool is_path(std::string_view target, std::string_view path) {
    return target == path ||
           (target.size() == path.size() + 1 && target.starts_with(path) && target.back() == '/');
}

} // namespace

Result<std::string> new_token() {
    std::array<char, 48> bytes{};
    std::size_t got = 0;
    while (got < bytes.size()) {
        const auto n = ::getrandom(bytes.data() + got, bytes.size() - got, 0);
        if (n < 0)
            return Error::failed("the kernel gave no random bytes for an IMDS session token (getrandom)");
        got += static_cast<std::size_t>(n);
    }
    // 64 URL-safe characters: 48 bytes are whole base64 groups, with no padding.
    return sdk::base64_encode(std::string_view(bytes.data(), bytes.size()), sdk::Base64Alphabet::url);
}

Service::Service(std::string role_name, Document document, Clock now)
    : role_name_(std::move(role_name)), document_(std::move(document)), now_(std::move(now)) {}

Response Service::answer(const Request &request) {
    const std::string_view target(request.target().data(), request.target().size());
    if (is_path(target, kTokenPath)) {
        if (request.method() != http::verb::put) return reply(request, http::status::method_not_allowed, "");
        return token(request);
    }
    const bool list = is_path(target, kCredentialsPath);
    const std::string role_path = std::string(kCredentialsPath) + "/" + role_name_;
    if (!list && !is_path(target, role_path))
        return reply(request, http::status::not_found, "404 page not found\n");
    if (request.method() != http::verb::get) return reply(request, http::status::method_not_allowed, "");
    auto remaining = check_token(request);
    if (!remaining) return reply(request, http::status::unauthorized, remaining.error().message);
    Response response = [&] {
        if (list) return reply(request, http::status::ok, role_name_);
        auto document = document_();
        if (!document) {
            log::error("imds: " + document.error().message);
            return reply(request, http::status::internal_server_error,
                         "credentials are unavailable; the server's log says why");
        }
        return reply(request, http::status::ok, *document, "application/json");
    }();
    response.set(bsv(kTtlHeader), std::to_string(*remaining));
    return response;
}

Response Service::token(const Request &request) {
    if (request.find("X-Forwarded-For") != request.end())
        return reply(request, http::status::bad_request,
                     "unable to process requests with X-Forwarded-For header");
    int ttl = kMaxTokenTtlSeconds;
    // An empty header is no header, as in the helper.
    if (auto header = request.find(bsv(kTtlHeader)); header != request.end() && !header->value().empty()) {
        const auto text = header->value();
        const auto *end = text.data() + text.size();
        auto [parsed_end, error] = std::from_chars(text.data(), end, ttl);
        if (error != std::errc() || parsed_end != end || ttl < 1 || ttl > kMaxTokenTtlSeconds)
            return reply(request, http::status::bad_request, "invalid token TTL");
    }
    auto token = new_token();
    if (!token) {
        log::error("imds: " + token.error().message);
        return reply(request, http::status::internal_server_error, "unable to generate token");
    }
    const auto now = now_();
    std::erase_if(tokens_, [now](const auto &entry) { return entry.second <= now; });
    if (tokens_.size() >= kMaxTokens) {
        auto earliest = std::min_element(tokens_.begin(), tokens_.end(),
                                         [](const auto &a, const auto &b) { return a.second < b.second; });
        tokens_.erase(earliest);
    }
    tokens_[*token] = now + static_cast<std::int64_t>(ttl) * 1000;
    auto response = reply(request, http::status::ok, *token);
    response.set(bsv(kTtlHeader), std::to_string(ttl));
    return response;
}

Result<std::int64_t> Service::check_token(const Request &request) {
    const auto header = request.find(bsv(kTokenHeader));
    if (header == request.end() || header->value().empty()) return Error::failed("no token provided");
    const auto found = tokens_.find(std::string(header->value()));
    const auto now = now_();
    if (found == tokens_.end() || found->second <= now) return Error::failed("invalid token provided");
    return (found->second - now) / 1000;
}

} // namespace pullcred::cli::imds
