#include "aws/sources/instance_metadata.hpp"

#include <pullcred/text.hpp>

#include "aws/sources/metadata_credentials.hpp"
#include "aws/sources/secrets.hpp"

namespace pullcred::aws::sources {

namespace {

constexpr std::string_view kRolePath = "/latest/meta-data/iam/security-credentials/";

bool env_true(const aws::EnvLookup &env, std::string_view name) {
    auto value = aws::env_value(env, name);
    return value && aws::parse_bool_setting(*value).value_or(false);
}

sdk::Result<sdk::HttpResponse> call(const sdk::Host &host, const std::string &method, const std::string &url,
                                    std::vector<std::pair<std::string, std::string>> headers) {
    sdk::HttpRequest request;
    request.method = method;
    request.url = url;
    request.headers = std::move(headers);
    request.flags = PULLCRED_HTTP_METADATA;
    return host.http(request);
}

} // namespace

bool instance_metadata_disabled(const aws::EnvLookup &env) {
    return env_true(env, "AWS_EC2_METADATA_DISABLED");
}

std::string instance_metadata_endpoint(const aws::EnvLookup &env) {
    std::string url = "http://169.254.169.254";
    if (auto custom = aws::env_value(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT")) {
        url = *custom;
    } else if (auto mode = aws::env_value(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")) {
        std::string lower;
        for (char c : *mode) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower == "ipv6") url = "http://[fd00:ec2::254]";
    }
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
}

std::optional<std::string> parse_role_listing(std::string_view body) {
    while (!body.empty()) {
        const auto end = body.find('\n');
        auto line = body.substr(0, end);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
        if (!line.empty()) return std::string(line);
        if (end == std::string_view::npos) break;
        body.remove_prefix(end + 1);
    }
    return std::nullopt;
}

sdk::Result<sdk::Credentials> fetch_instance_metadata_credentials(const sdk::Host &host,
                                                                  const aws::EnvLookup &env) {
    const auto base = instance_metadata_endpoint(env);
    const auto what = "EC2 instance metadata at " + sdk::printable_ascii(base, 120);
    if (instance_metadata_disabled(env))
        return sdk::Error::failed(what + " is off (AWS_EC2_METADATA_DISABLED)");
    if (base.rfind("http://", 0) != 0 && base.rfind("https://", 0) != 0)
        return sdk::Error::failed(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT is not an http:// or https:// URL: set it to the instance "
            "metadata service's URL or unset it");

    auto token_reply =
        call(host, "PUT", base + "/latest/api/token", {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}});
    // No answer at all: not on EC2 (botocore would still try the GET, which
    // fails the same way a second later).
    if (!token_reply.ok())
        return sdk::Error::failed(what + " did not answer: " + token_reply.error().message);
    std::vector<std::pair<std::string, std::string>> headers;
    const int token_status = token_reply.value().status;
    if (token_status == 200 && !token_reply.value().body.empty()) {
        report_secret(token_reply.value().body);
        headers.emplace_back("X-aws-ec2-metadata-token", token_reply.value().body);
    } else if (token_status == 400) {
        return sdk::Error::failed(what + " refused the session token request (HTTP 400)");
    } else if (env_true(env, "AWS_EC2_METADATA_V1_DISABLED")) {
        return sdk::Error::failed(what + " refused a session token (HTTP " + std::to_string(token_status) +
                                  ") and AWS_EC2_METADATA_V1_DISABLED forbids IMDSv1: allow IMDSv2 on the "
                                  "instance (or raise its metadata hop limit in a container)");
    } else {
        // botocore falls back to IMDSv1 (no token) after 403, 404 and 405.
        host.debug(what + " gave no session token (HTTP " + std::to_string(token_status) +
                   "): trying IMDSv1");
    }
    const auto refused = [&](int status) {
        std::string text = what + " answered HTTP " + std::to_string(status);
        if (status == 401 && headers.empty())
            text +=
                ": it requires a session token (IMDSv2) and refused to issue one (HTTP " +
                std::to_string(token_status) +
                "); raise the instance's metadata hop limit (HttpPutResponseHopLimit) when pullcred runs in "
                "a container";
        return sdk::Error::failed(std::move(text));
    };

    auto listing = call(host, "GET", base + std::string(kRolePath), headers);
    if (!listing.ok()) return sdk::Error::failed(what + ": " + listing.error().message);
    if (listing.value().status == 404)
        return sdk::Error::failed(what + ": this instance has no IAM role: attach an instance profile");
    if (listing.value().status != 200) return refused(listing.value().status);
    auto role = parse_role_listing(listing.value().body);
    if (!role)
        return sdk::Error::failed(what + ": this instance has no IAM role: attach an instance profile");

    auto reply = call(host, "GET", base + std::string(kRolePath) + *role, headers);
    if (!reply.ok()) return sdk::Error::failed(what + ": " + reply.error().message);
    if (reply.value().status != 200) return refused(reply.value().status);
    auto credentials = parse_metadata_credentials(reply.value().body);
    if (!credentials.ok())
        return sdk::Error::failed(what + ", role " + sdk::printable_ascii(*role, 120) + ": " +
                                  credentials.error().message);
    host.debug("credentials of instance role " + sdk::printable_ascii(*role, 120) + " from " + what);
    return credentials;
}

} // namespace pullcred::aws::sources
