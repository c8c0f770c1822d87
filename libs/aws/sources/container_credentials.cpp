#include "aws/sources/container_credentials.hpp"

#include <arpa/inet.h>
#include <array>
#include <pullcred/text.hpp>

#include "aws/sources/metadata_credentials.hpp"
#include "aws/sources/secrets.hpp"

namespace pullcred::aws::sources {

namespace {

constexpr std::string_view kRelative = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
constexpr std::string_view kFull = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
constexpr std::string_view kTokenFile = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
constexpr std::string_view kToken = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
constexpr std::size_t kMaxTokenBytes = std::size_t{16} * 1024;

struct UrlHost {
    std::string scheme;
    std::string host; // IPv6 without brackets
};

std::optional<UrlHost> split_url(std::string_view url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return std::nullopt;
    UrlHost out{std::string(url.substr(0, scheme_end)), {}};
    for (auto &c : out.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto authority = url.substr(scheme_end + 3);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (const auto at = authority.rfind('@'); at != std::string_view::npos)
        authority = authority.substr(at + 1);
    if (!authority.empty() && authority[0] == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        out.host = std::string(authority.substr(1, close - 1));
    } else {
        out.host = std::string(authority.substr(0, authority.find(':')));
    }
    for (auto &c : out.host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (out.host.empty()) return std::nullopt;
    return out;
}

bool is_loopback(const std::string &host) {
    std::array<unsigned char, 16> address{};
    if (inet_pton(AF_INET, host.c_str(), address.data()) == 1) return address[0] == 127;
    if (inet_pton(AF_INET6, host.c_str(), address.data()) == 1) {
        static constexpr std::array<unsigned char, 16> kLoopback6{0, 0, 0, 0, 0, 0, 0, 0,
                                                                  0, 0, 0, 0, 0, 0, 0, 1};
        return address == kLoopback6;
    }
    return false;
}

bool is_allowed_host(const std::string &host) {
    if (host == "169.254.170.2" || host == "169.254.170.23" || host == "localhost") return true;
    std::array<unsigned char, 16> address{};
    std::array<unsigned char, 16> allowed{};
    return inet_pton(AF_INET6, host.c_str(), address.data()) == 1 &&
           inet_pton(AF_INET6, "fd00:ec2::23", allowed.data()) == 1 && address == allowed;
}

std::string trimmed(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    return std::string(text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1));
}

// The Authorization header value, if one is configured.
sdk::Result<std::optional<std::string>> authorization(const sdk::Host &host, const aws::EnvLookup &env) {
    std::optional<std::string> token;
    std::string origin;
    if (auto path = aws::env_value(env, kTokenFile)) {
        auto read = host.read_file(*path);
        if (!read.ok()) return sdk::Error::failed(std::string(kTokenFile) + ": " + read.error().message);
        if (!read.value())
            return sdk::Error::failed(std::string(kTokenFile) + " names " + sdk::printable_ascii(*path) +
                                      ", which does not exist: mount the token there or unset the variable");
        if (read.value()->size() > kMaxTokenBytes)
            return sdk::Error::failed(std::string(kTokenFile) + " names " + sdk::printable_ascii(*path) +
                                      ", which is larger than " + std::to_string(kMaxTokenBytes) + " bytes");
        // botocore sends the file as read; a final newline is trimmed here too.
        token = trimmed(*read.value());
        origin = std::string(kTokenFile) + " (" + sdk::printable_ascii(*path) + ")";
    } else if (auto value = aws::env_value(env, kToken)) {
        token = std::move(*value);
        origin = std::string(kToken);
    }
    if (!token) return std::optional<std::string>();
    report_secret(*token);
    if (token->empty()) return sdk::Error::failed(origin + " is empty: put the token there or unset it");
    if (token->find_first_of("\r\n") != std::string::npos)
        return sdk::Error::failed(origin + " holds a line break, which a header cannot carry: keep the "
                                           "token on one line");
    return token;
}

} // namespace

std::optional<ContainerEndpoint> container_endpoint(const aws::EnvLookup &env) {
    if (auto relative = aws::env_value(env, kRelative))
        return ContainerEndpoint{"http://169.254.170.2" + *relative, std::string(kRelative)};
    if (auto full = aws::env_value(env, kFull)) return ContainerEndpoint{*full, std::string(kFull)};
    return std::nullopt;
}

std::string container_url_host(std::string_view url) {
    auto parts = split_url(url);
    return parts ? sdk::printable_ascii(parts->host, 120) : std::string("(no host)");
}

sdk::Status check_container_url(std::string_view url, std::string_view variable) {
    auto parts = split_url(url);
    if (!parts || (parts->scheme != "http" && parts->scheme != "https"))
        return sdk::Error::failed(std::string(variable) +
                                  " is not an http:// or https:// URL with a host: set it to the container "
                                  "credentials endpoint's URL");
    if (parts->scheme == "https" || is_loopback(parts->host) || is_allowed_host(parts->host))
        return sdk::ok();
    return sdk::Error::failed(std::string(variable) + " names host " +
                              sdk::printable_ascii(parts->host, 120) +
                              ", which is not allowed over http: use a loopback address, 169.254.170.2, "
                              "169.254.170.23 or fd00:ec2::23, or an https:// URL");
}

sdk::Result<sdk::Credentials> fetch_container_credentials(const sdk::Host &host, const aws::EnvLookup &env) {
    auto endpoint = container_endpoint(env);
    if (!endpoint)
        return sdk::Error::failed("container credentials: neither " + std::string(kRelative) + " nor " +
                                  std::string(kFull) + " is set in pullcred's environment");
    if (auto checked = check_container_url(endpoint->url, endpoint->variable); !checked.ok())
        return checked.error();
    auto token = authorization(host, env);
    if (!token.ok()) return token.error();
    const auto what = "container credentials endpoint " + container_url_host(endpoint->url) + " (from " +
                      endpoint->variable + ")";
    sdk::HttpRequest request;
    request.url = endpoint->url;
    request.headers = {{"Accept", "application/json"}};
    if (token.value()) request.headers.emplace_back("Authorization", *token.value());
    request.flags = PULLCRED_HTTP_METADATA;
    host.debug("credentials from the " + what);
    // botocore tries the endpoint up to 3 times.
    auto response = host.http(request);
    for (int attempt = 2; attempt <= 3 && (!response.ok() || response.value().status >= 500); ++attempt)
        response = host.http(request);
    if (!response.ok()) return response.error().with_message(what + ": " + response.error().message);
    const auto &reply = response.value();
    if (reply.status != 200) {
        auto message = metadata_error_message(reply.body);
        auto text = what + " answered HTTP " + std::to_string(reply.status) +
                    (message.empty() ? std::string() : ": " + message) +
                    (reply.status == 401 || reply.status == 403
                         ? " (check AWS_CONTAINER_AUTHORIZATION_TOKEN or _TOKEN_FILE)"
                         : std::string());
        return reply.status >= 500 || reply.status == 429 ? sdk::Error::retryable(std::move(text))
                                                          : sdk::Error::failed(std::move(text));
    }
    auto credentials = parse_metadata_credentials(reply.body);
    if (!credentials.ok()) return sdk::Error::failed(what + ": " + credentials.error().message);
    return credentials;
}

} // namespace pullcred::aws::sources
