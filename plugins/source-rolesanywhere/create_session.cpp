#include "create_session.hpp"

#include <nlohmann/json.hpp>
#include <pullcred/text.hpp>
#include <pullcred/time.hpp>
#include <utility>
#include <vector>

#include "x509_material.hpp"

namespace pullcred_ra {

namespace {

// A 2xx body carries credentials, so a field of it is quoted only when it
// could be nothing but a malformed time.
std::string quote_if_time_like(std::string_view text) {
    return pullcred::sdk::looks_like_time(text)
               ? "\"" + std::string(text) + "\""
               : "(" + std::to_string(text.size()) + " characters, not quoted)";
}

// The hint that goes with an AWS error, so an operator knows what to check.
std::string hint_for(std::string_view type, std::string_view message) {
    if (message.find("Untrusted Signing Certificate") != std::string_view::npos)
        return "check that the trust anchor holds the CA that issued the certificate (or its intermediates, "
               "given with `intermediates`), and that the certificate is valid now";
    if (message.find("Invalid signature") != std::string_view::npos)
        return "check that the private key belongs to the certificate and that the node's clock is right "
               "(NTP)";
    if (message.find("Signature expired") != std::string_view::npos) return "check the node's clock (NTP)";
    if (type == "ResourceNotFoundException")
        return "check trustAnchorArn and profileArn: both must exist, be enabled, and be in the signing "
               "region "
               "and the same account";
    if (type == "ValidationException") return "check the profile's settings";
    if (type == "AccessDeniedException")
        return "check that the profile allows the role, the role trusts rolesanywhere.amazonaws.com, and the "
               "trust anchor and profile are enabled";
    return {};
}

} // namespace

std::optional<Arn> parse_arn(std::string_view text) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (int i = 0; i < 5; ++i) {
        const auto colon = text.find(':', start);
        if (colon == std::string_view::npos) return std::nullopt;
        parts.emplace_back(text.substr(start, colon - start));
        start = colon + 1;
    }
    parts.emplace_back(text.substr(start));
    if (parts[0] != "arn" || parts[1].empty() || parts[2].empty() || parts[5].empty()) return std::nullopt;
    for (const auto &part : parts)
        for (char c : part)
            if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) return std::nullopt;
    return Arn{parts[1], parts[2], parts[3], parts[4], parts[5]};
}

std::string session_body(int duration_seconds, const std::string &role_session_name) {
    nlohmann::ordered_json body;
    body["durationSeconds"] = duration_seconds;
    if (!role_session_name.empty()) body["roleSessionName"] = role_session_name;
    return body.dump();
}

ParsedReply parse_session_reply(int status, std::string_view error_type, std::string_view body) {
    ParsedReply out;
    auto fail = [&](ReplyFailure kind, std::string message) {
        out.error = {kind, std::move(message)};
        return out;
    };
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (status < 200 || status > 299) {
        std::string type(error_type.substr(0, error_type.find(':')));
        std::string message;
        if (json.is_object()) {
            for (const char *key : {"message", "Message"})
                if (auto it = json.find(key); it != json.end() && it->is_string())
                    message = it->get<std::string>();
            if (type.empty())
                if (auto it = json.find("__type"); it != json.end() && it->is_string())
                    type = it->get<std::string>().substr(it->get<std::string>().rfind('#') + 1);
        }
        std::string text = "HTTP " + std::to_string(status);
        if (!type.empty()) text += " " + pullcred::sdk::one_line(type, 80);
        if (!message.empty())
            text += ": " + pullcred::sdk::one_line(message);
        else if (!json.is_object() && !body.empty())
            text += " (body: " + pullcred::sdk::one_line(body, 120) + ")";
        const auto hint = hint_for(type, message);
        if (!hint.empty()) text += "; " + hint;
        const bool retryable = status == 429 || status >= 500 || type == "ThrottlingException" ||
                               type == "TooManyRequestsException";
        return fail(retryable ? ReplyFailure::retryable : ReplyFailure::permanent, text);
    }
    if (json.is_discarded())
        return fail(ReplyFailure::retryable,
                    "HTTP " + std::to_string(status) + " with a reply that is not JSON (" +
                        std::to_string(body.size()) + " bytes, cut short or not from Roles Anywhere)");
    if (!json.is_object())
        return fail(ReplyFailure::permanent,
                    "HTTP " + std::to_string(status) + " with a reply that is not a JSON object");
    const auto set = json.find("credentialSet");
    if (set == json.end() || !set->is_array())
        return fail(ReplyFailure::permanent, "HTTP " + std::to_string(status) +
                                                 " without a credentialSet in the reply (a 2xx body is "
                                                 "never quoted: it may carry credentials)");
    if (set->empty())
        return fail(ReplyFailure::permanent, "the reply's credentialSet is empty: no credentials issued");
    const auto &first = (*set)[0];
    const auto credentials = first.is_object() ? first.find("credentials") : first.end();
    if (!first.is_object() || credentials == first.end() || !credentials->is_object())
        return fail(ReplyFailure::permanent, "credentialSet[0] has no credentials object");
    IssuedCredentials issued;
    const std::pair<const char *, std::string *> fields[] = {{"accessKeyId", &issued.access_key_id},
                                                             {"secretAccessKey", &issued.secret_access_key},
                                                             {"sessionToken", &issued.session_token},
                                                             {"expiration", &issued.expiration}};
    for (const auto &[name, target] : fields) {
        const auto it = credentials->find(name);
        if (it == credentials->end() || !it->is_string() || it->get_ref<const std::string &>().empty())
            return fail(ReplyFailure::permanent,
                        std::string("credentialSet[0].credentials.") + name + " is missing or not a string");
        *target = it->get<std::string>();
    }
    const auto expires = parse_rfc3339(issued.expiration);
    if (!expires)
        return fail(ReplyFailure::permanent, "credentialSet[0].credentials.expiration " +
                                                 quote_if_time_like(issued.expiration) +
                                                 " is not an RFC 3339 time");
    issued.expires_unix = *expires;
    out.credentials = std::move(issued);
    return out;
}

} // namespace pullcred_ra
