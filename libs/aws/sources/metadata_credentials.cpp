#include "aws/sources/metadata_credentials.hpp"

#include <nlohmann/json.hpp>
#include <pullcred/text.hpp>
#include <pullcred/time.hpp>

#include "aws/sources/secrets.hpp"

namespace pullcred::aws::sources {

namespace {
std::optional<std::string> string_field(const nlohmann::json &document, const char *name) {
    auto it = document.find(name);
    if (it == document.end() || !it->is_string() || it->get_ref<const std::string &>().empty())
        return std::nullopt;
    return it->get<std::string>();
}
} // namespace

sdk::Result<sdk::Credentials> parse_metadata_credentials(std::string_view body) {
    auto document = nlohmann::json::parse(body, nullptr, false);
    if (document.is_discarded() || !document.is_object())
        return sdk::Error::failed("the credentials reply is not a JSON object (malformed reply)");
    if (auto code = string_field(document, "Code"); code && *code != "Success")
        return sdk::Error::failed("the credentials reply's Code is " + sdk::printable_ascii(*code, 80) +
                                  ", not Success");
    auto key_id = string_field(document, "AccessKeyId");
    auto secret = string_field(document, "SecretAccessKey");
    if (!key_id || !secret)
        return sdk::Error::failed(std::string("the credentials reply has no ") +
                                  (!key_id ? "AccessKeyId" : "SecretAccessKey") + " (malformed reply)");
    report_secret(*secret);
    sdk::Credentials credentials;
    credentials.fields[PULLCRED_FIELD_ACCESS_KEY_ID] = *key_id;
    credentials.fields[PULLCRED_FIELD_SECRET_ACCESS_KEY] = *secret;
    if (auto token = string_field(document, "Token")) {
        report_secret(*token);
        credentials.fields[PULLCRED_FIELD_SESSION_TOKEN] = *token;
    }
    if (auto expiration = string_field(document, "Expiration")) {
        auto expires = sdk::parse_rfc3339(*expiration);
        if (!expires)
            return sdk::Error::failed(
                "the credentials reply's Expiration is not an RFC 3339 time (malformed reply)");
        credentials.expires_unix = *expires;
    }
    return credentials;
}

std::string metadata_error_message(std::string_view body) {
    auto document = nlohmann::json::parse(body, nullptr, false);
    if (document.is_discarded() || !document.is_object()) return {};
    for (const char *name : {"message", "Message"})
        if (auto text = string_field(document, name)) return sdk::printable_ascii(*text, 200);
    return {};
}

} // namespace pullcred::aws::sources
