#include "aws/sources/sso_credentials.hpp"

#include <array>
#include <nlohmann/json.hpp>
#include <pullcred/text.hpp>
#include <pullcred/time.hpp>

#include "aws/endpoints/endpoint.hpp"
#include "aws/endpoints/partitions.hpp"
#include "aws/sources/metadata_credentials.hpp"
#include "aws/sources/secrets.hpp"
#include "aws/sources/sha1.hpp"
#include "aws/sources/sts.hpp"

namespace pullcred::aws::sources {

namespace {

constexpr std::size_t kMaxCacheFileBytes = std::size_t{256} * 1024;

std::string q_name(std::string_view name) {
    return "\"" + std::string(name) + "\"";
}

std::string login_hint(const SsoSettings &settings) {
    return "run `aws sso login --profile " + settings.profile + "`";
}

std::optional<std::string> string_field(const nlohmann::json &document, const char *name) {
    auto it = document.find(name);
    if (it == document.end() || !it->is_string() || it->get_ref<const std::string &>().empty())
        return std::nullopt;
    return it->get<std::string>();
}

sdk::Result<std::string> portal_url(const aws::EnvLookup &env, const SsoSettings &settings) {
    for (const char *variable : {"AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL"}) {
        auto value = aws::env_value(env, variable);
        if (!value) continue;
        auto parsed = aws::parse_endpoint_url(*value, variable);
        if (!parsed) return sdk::Error::failed(parsed.error().message);
        return parsed->url;
    }
    if (!aws::is_valid_region(settings.region))
        return sdk::Error::failed("AWS profile " + q_name(settings.profile) + ": sso_region " +
                                  sdk::printable_ascii(settings.region, 80) + " is not a region name");
    const auto &partition = aws::partition_for_region(settings.region);
    return "https://portal.sso." + settings.region + "." + std::string(partition.dns_suffix);
}

} // namespace

bool uses_sso(const aws::Profile &profile) {
    return profile.get("sso_account_id") || profile.get("sso_role_name");
}

Result<SsoSettings> sso_settings(const aws::Profile &profile, const aws::SharedConfig &files) {
    const auto where = "AWS profile " + q_name(profile.name()) + " (" + files.paths().config_file + ")";
    SsoSettings out;
    out.profile = profile.name();
    auto start_url = profile.get("sso_start_url");
    auto region = profile.get("sso_region");
    if (auto session = profile.get("sso_session")) {
        const auto *section = files.sso_session(*session);
        if (section == nullptr)
            return Error::failed(where + " names sso_session " + q_name(*session) +
                                 ", but there is no [sso-session " + *session +
                                 "] section: add it (sso_start_url, sso_region)");
        const std::array<std::pair<const char *, std::optional<std::string> *>, 2> keys{
            {{"sso_start_url", &start_url}, {"sso_region", &region}}};
        for (const auto &[key, value] : keys) {
            auto it = section->values.find(key);
            if (it == section->values.end() || it->second.empty()) continue;
            if (*value && **value != it->second)
                return Error::failed(where + ": " + key + " differs between the profile and [sso-session " +
                                     *session + "]: keep one");
            *value = it->second;
        }
        out.session_name = *session;
    }
    out.account_id = profile.get("sso_account_id").value_or("");
    out.role_name = profile.get("sso_role_name").value_or("");
    std::string missing;
    for (const auto &[key, value] : {std::pair<const char *, bool>{"sso_start_url", start_url.has_value()},
                                     {"sso_region", region.has_value()},
                                     {"sso_account_id", !out.account_id.empty()},
                                     {"sso_role_name", !out.role_name.empty()}})
        if (!value) missing += (missing.empty() ? "" : ", ") + std::string(key);
    if (!missing.empty())
        return Error::failed(where + " uses IAM Identity Center (SSO) but lacks " + missing +
                             ": add them (as `aws configure sso` writes them)");
    out.start_url = *start_url;
    out.region = *region;
    return out;
}

std::string sso_cache_file_name(const SsoSettings &settings) {
    return sha1_hex(settings.session_name ? *settings.session_name : settings.start_url) + ".json";
}

sdk::Result<SsoToken> parse_sso_token(std::string_view json) {
    auto document = nlohmann::json::parse(json, nullptr, false);
    if (document.is_discarded() || !document.is_object())
        return sdk::Error::failed("it is not a JSON object");
    SsoToken out;
    auto token = string_field(document, "accessToken");
    if (!token) return sdk::Error::failed("it has no accessToken");
    report_secret(*token);
    out.access_token = std::move(*token);
    auto expires_at = string_field(document, "expiresAt");
    if (!expires_at) return sdk::Error::failed("it has no expiresAt");
    // The AWS CLI v1 wrote "...UTC" where v2 writes "...Z".
    if (expires_at->size() > 3 && expires_at->ends_with("UTC"))
        expires_at->replace(expires_at->size() - 3, 3, "Z");
    auto expires = sdk::parse_rfc3339(*expires_at);
    if (!expires) return sdk::Error::failed("its expiresAt is not an RFC 3339 time");
    out.expires_unix = *expires;
    return out;
}

sdk::Result<sdk::Credentials> parse_role_credentials(std::string_view json) {
    auto document = nlohmann::json::parse(json, nullptr, false);
    if (document.is_discarded() || !document.is_object() || !document.contains("roleCredentials") ||
        !document["roleCredentials"].is_object())
        return sdk::Error::failed(
            "the GetRoleCredentials reply has no roleCredentials object (malformed reply)");
    const auto &role = document["roleCredentials"];
    auto key_id = string_field(role, "accessKeyId");
    auto secret = string_field(role, "secretAccessKey");
    auto token = string_field(role, "sessionToken");
    if (!key_id || !secret || !token)
        return sdk::Error::failed(std::string("the GetRoleCredentials reply has no ") +
                                  (!key_id   ? "accessKeyId"
                                   : !secret ? "secretAccessKey"
                                             : "sessionToken") +
                                  " (malformed reply)");
    report_secret(*secret);
    report_secret(*token);
    sdk::Credentials credentials;
    credentials.fields[PULLCRED_FIELD_ACCESS_KEY_ID] = *key_id;
    credentials.fields[PULLCRED_FIELD_SECRET_ACCESS_KEY] = *secret;
    credentials.fields[PULLCRED_FIELD_SESSION_TOKEN] = *token;
    auto expiration = role.find("expiration");
    if (expiration == role.end() || !expiration->is_number_integer())
        return sdk::Error::failed("the GetRoleCredentials reply has no expiration (malformed reply)");
    credentials.expires_unix = expiration->get<std::int64_t>() / 1000;
    return credentials;
}

sdk::Result<sdk::Credentials> fetch_sso_credentials(const sdk::Host &host, const aws::EnvLookup &env,
                                                    const SsoSettings &settings) {
    const auto who = "AWS profile " + q_name(settings.profile) + " (SSO)";
    auto home = aws::home_directory(env);
    if (!home)
        return sdk::Error::failed(who + ": no home directory to find ~/.aws/sso/cache in: set HOME in the "
                                        "kubelet provider's env");
    const auto path = *home + "/.aws/sso/cache/" + sso_cache_file_name(settings);
    auto read = host.read_file(path);
    if (!read.ok()) return sdk::Error::failed(who + ": token cache: " + read.error().message);
    if (!read.value())
        return sdk::Error::failed(who + ": no SSO token in " + path + ": " + login_hint(settings));
    if (read.value()->size() > kMaxCacheFileBytes)
        return sdk::Error::failed(who + ": token cache " + path + " is larger than " +
                                  std::to_string(kMaxCacheFileBytes) + " bytes: " + login_hint(settings));
    auto token = parse_sso_token(*read.value());
    if (!token.ok())
        return sdk::Error::failed(who + ": token cache " + path + " is unusable (" + token.error().message +
                                  "): " + login_hint(settings));
    if (token.value().expires_unix * 1000 <= host.now_unix_ms())
        return sdk::Error::failed(who + ": the SSO session expired at " +
                                  sdk::format_rfc3339(token.value().expires_unix) + ": " +
                                  login_hint(settings));

    auto portal = portal_url(env, settings);
    if (!portal.ok()) return portal.error();
    sdk::HttpRequest request;
    request.url = portal.value() +
                  "/federation/credentials?role_name=" + sts::form_encode(settings.role_name) +
                  "&account_id=" + sts::form_encode(settings.account_id);
    request.headers = {{"x-amz-sso_bearer_token", token.value().access_token}};
    const auto what = who + ": GetRoleCredentials of role " + sdk::printable_ascii(settings.role_name, 80) +
                      " in account " + sdk::printable_ascii(settings.account_id, 20) + " (portal " +
                      sdk::printable_ascii(portal.value(), 120) + ")";
    host.debug(what);
    auto response = host.http(request);
    if (!response.ok()) return response.error().with_message(what + ": " + response.error().message);
    const auto &reply = response.value();
    if (reply.status == 401)
        return sdk::Error::failed(
            what + ": the portal refused the SSO session (expired or signed out): " + login_hint(settings));
    if (reply.status != 200) {
        auto message = metadata_error_message(reply.body);
        auto text =
            what + " failed: HTTP " + std::to_string(reply.status) + (message.empty() ? "" : ": " + message);
        return reply.status >= 500 || reply.status == 429 ? sdk::Error::retryable(std::move(text))
                                                          : sdk::Error::failed(std::move(text));
    }
    auto credentials = parse_role_credentials(reply.body);
    if (!credentials.ok()) return sdk::Error::failed(what + ": " + credentials.error().message);
    return credentials;
}

} // namespace pullcred::aws::sources
