#include "ecr_reply.hpp"

#include <algorithm>
#include <cctype>

#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <pullcred/base64.hpp>
#include <pullcred/text.hpp>
#include <string_view>

namespace pullcred_ecr {

namespace {

using pullcred::sdk::Error;
using pullcred::sdk::HttpResponse;
using pullcred::sdk::printable_ascii;

constexpr std::size_t kMaxReplyBytes = 1024 * 1024;

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() &&
           (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n'))
        text.remove_suffix(1);
    return text;
}

// "com.amazonaws.ecr#AccessDeniedException:http://..." -> "AccessDeniedException".
std::string strip_code(std::string_view code) {
    if (const auto colon = code.find(':'); colon != std::string_view::npos) code = code.substr(0, colon);
    if (const auto hash = code.rfind('#'); hash != std::string_view::npos) code = code.substr(hash + 1);
    return printable_ascii(trim(code), 100);
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

bool is_throttling(std::string_view code) {
    for (std::string_view known : {"Throttling", "ThrottlingException", "TooManyRequestsException",
                                   "RequestLimitExceeded", "SlowDown"})
        if (contains(code, known)) return true;
    return false;
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char &c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

struct AwsError {
    std::string code;
    std::string message;
};

// The AWS error of a reply, if it carries one: X-Amzn-ErrorType, else the
// JSON body's __type (or code / Code), with message / Message.
std::optional<AwsError> aws_error(const HttpResponse &response, const nlohmann::json *body) {
    AwsError error;
    if (auto header = response.header("x-amzn-errortype"); !header.empty()) error.code = strip_code(header);
    if (body != nullptr && body->is_object()) {
        if (error.code.empty()) {
            for (const char *key : {"__type", "code", "Code"}) {
                const auto it = body->find(key);
                if (it != body->end() && it->is_string() && !it->get_ref<const std::string &>().empty()) {
                    error.code = strip_code(it->get_ref<const std::string &>());
                    break;
                }
            }
        }
        for (const char *key : {"message", "Message", "errorMessage"}) {
            const auto it = body->find(key);
            if (it != body->end() && it->is_string()) {
                error.message = printable_ascii(trim(it->get_ref<const std::string &>()));
                break;
            }
        }
    }
    if (error.code.empty()) return std::nullopt;
    return error;
}

std::string hint_for(const AwsError &error, const CallContext &context, int status) {
    const std::string &code = error.code;
    const std::string who = "profile '" + context.profile + "'";
    if (code == "UnrecognizedClientException" || code == "InvalidClientTokenId")
        return "AWS does not recognise the access key id (or session token): check the access key id and "
               "secret access key of " +
               who;
    if (code == "InvalidSignatureException" || code == "SignatureDoesNotMatch") {
        if (contains(lower(error.message), "signature expired") ||
            contains(lower(error.message), "signature not yet current"))
            return "the request's time is too far from AWS's: check the node's clock (NTP)";
        return "the signature was rejected: check the access key id and secret access key of " + who +
               " (the secret key must belong to the key id)";
    }
    if (code == "IncompleteSignatureException" || code == "MissingAuthenticationTokenException")
        return "the request was not signed properly: check the access key id and secret access key of " + who;
    if (code == "ExpiredTokenException" || code == "ExpiredToken")
        return "the session token of " + who + " has expired: check the source that issued it";
    if (code == "AccessDeniedException" || code == "AccessDenied") {
        if (context.is_public)
            return "check that the role or user behind " + who +
                   " is allowed ecr-public:GetAuthorizationToken and sts:GetServiceBearerToken";
        return "check that the role or user behind " + who + " is allowed ecr:GetAuthorizationToken" +
               (context.account.empty() ? std::string()
                                        : " (and, across accounts, that the registry policy of account " +
                                              context.account + " lets it pull)");
    }
    if (code == "ValidationException" && !context.account.empty())
        return "check the registry account id " + context.account;
    if (is_throttling(code))
        return "AWS kept throttling the call through every retry; try again later, or cache tokens longer";
    if (status >= 500) return "the service kept failing through every retry; try again later";
    return {};
}

// AWS's request id of a reply, for support cases; only when it has the shape of one.
std::string request_id_of(const pullcred::sdk::HttpResponse &response) {
    auto id = response.header("x-amzn-RequestId");
    if (id.empty()) id = response.header("x-amz-request-id");
    const bool plain = !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
    });
    return plain ? id : std::string();
}

pullcred::sdk::Error error_status(const AwsError &error, const CallContext &context, int status,
                                  const std::string &request_id) {
    std::string text = failure_prefix(context) + error.code;
    if (!error.message.empty()) text += ": " + error.message;
    const std::string id = request_id.empty() ? std::string() : ", request id " + request_id;
    if (status != 200)
        text += " (HTTP " + std::to_string(status) + id + ")";
    else
        text += " (in an HTTP 200 reply" + id + ")";
    if (const auto hint = hint_for(error, context, status); !hint.empty()) text += "; " + hint;
    const bool retryable = status >= 500 || status == 429 || is_throttling(error.code);
    return retryable ? Error::retryable(std::move(text)) : Error::failed(std::move(text));
}

pullcred::sdk::Error bad_reply(const CallContext &context, const std::string &what) {
    return Error::failed(failure_prefix(context) + what + " (from " + context.endpoint +
                         "; is the endpoint really " + context.api + ", with no proxy rewriting the reply?)");
}

bool is_json_content_type(std::string_view type) {
    const auto base = lower(trim(type.substr(0, type.find(';'))));
    return base.rfind("application/x-amz-json-1.", 0) == 0 || base == "application/json";
}

// The authorizationData entry to use: for a private registry the one whose
// proxyEndpoint names the account asked for, else the first.
const nlohmann::json *pick_entry(const nlohmann::json &data, const CallContext &context) {
    if (data.is_object()) return &data;
    if (!data.is_array()) return nullptr;
    const nlohmann::json *first = nullptr;
    for (const auto &entry : data) {
        if (!entry.is_object()) continue;
        if (first == nullptr) first = &entry;
        if (context.account.empty()) break;
        const auto endpoint = entry.find("proxyEndpoint");
        if (endpoint != entry.end() && endpoint->is_string() &&
            contains(endpoint->get_ref<const std::string &>(), "//" + context.account + "."))
            return &entry;
    }
    return first;
}

} // namespace

std::string failure_prefix(const CallContext &context) {
    return context.api + " GetAuthorizationToken in " + context.region + " failed: ";
}

pullcred::sdk::Result<Token> parse_reply(const HttpResponse &response, const CallContext &context) {
    const std::string &text = response.body;
    if (text.size() > kMaxReplyBytes)
        return bad_reply(context,
                         "the reply is " + std::to_string(text.size()) + " bytes, far larger than a token");
    const auto body = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    const bool parsed = !body.is_discarded();

    if (auto error = aws_error(response, parsed ? &body : nullptr))
        return error_status(*error, context, response.status, request_id_of(response));
    if (response.status < 200 || response.status > 299) {
        std::string what = "HTTP " + std::to_string(response.status) + " with no AWS error in the reply";
        const auto type = response.header("content-type");
        if (!type.empty()) what += " (Content-Type " + printable_ascii(type, 100) + ")";
        std::string message = failure_prefix(context) + what + " from " + context.endpoint;
        if (response.status >= 500 || response.status == 429)
            return Error::retryable(message +
                                    "; the service kept failing through every retry, try again later");
        if (response.status == 407)
            message += "; a proxy asks for authentication: check HTTPS_PROXY";
        else if (response.status == 403 || response.status == 404)
            message += "; check that the endpoint (" + context.endpoint + ") is " + context.api;
        return Error::failed(message);
    }

    const auto type = response.header("content-type");
    if (!type.empty() && !is_json_content_type(type))
        return bad_reply(context, "the reply has Content-Type " + printable_ascii(type, 100) +
                                      ", expected application/x-amz-json-1.1");
    if (trim(text).empty()) return bad_reply(context, "the reply is empty");
    if (!parsed)
        return bad_reply(context, "the reply is not valid JSON (HTTP " + std::to_string(response.status) +
                                      ", " + std::to_string(text.size()) + " bytes: truncated or malformed)");
    if (!body.is_object()) return bad_reply(context, "the reply is not a JSON object");
    const auto data = body.find("authorizationData");
    if (data == body.end() || data->is_null())
        return bad_reply(context, "the reply has no authorizationData");
    if (data->is_array() && data->empty())
        return bad_reply(context, "the reply's authorizationData is empty: no token was issued");
    const auto *entry = pick_entry(*data, context);
    if (entry == nullptr)
        return bad_reply(context, "the reply's authorizationData is not an object or a list of them");

    const auto token = entry->find("authorizationToken");
    if (token == entry->end() || !token->is_string() || token->get_ref<const std::string &>().empty())
        return bad_reply(context, "the reply has no authorizationToken");
    const auto expires = entry->find("expiresAt");
    if (expires == entry->end() || expires->is_null())
        return bad_reply(context, "the reply has no expiresAt");
    if (!expires->is_number()) return bad_reply(context, "the reply's expiresAt is not a number of seconds");
    const double seconds = expires->get<double>();
    if (!std::isfinite(seconds) || seconds <= 0 || seconds > 1e11)
        return bad_reply(context, "the reply's expiresAt is not a plausible time");

    const auto decoded = pullcred::sdk::base64_decode(token->get_ref<const std::string &>());
    if (!decoded) return bad_reply(context, "the authorizationToken is not valid base64");
    const auto colon = decoded->find(':');
    if (colon == std::string::npos)
        return bad_reply(context, "the decoded authorizationToken has no ':' (expected AWS:<password>)");
    Token out;
    out.username = decoded->substr(0, colon);
    out.password = decoded->substr(colon + 1);
    if (out.username.empty() || out.password.empty())
        return bad_reply(context, "the decoded authorizationToken has an empty user name or password");
    // kubelet's JSON carries the password as a string, so it must be text.
    if (!pullcred::sdk::valid_utf8(*decoded))
        return bad_reply(context, "the decoded authorizationToken is not valid UTF-8 text");
    out.expires_unix = static_cast<std::int64_t>(std::floor(seconds));
    return out;
}

} // namespace pullcred_ecr
