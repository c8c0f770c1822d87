#include "aws/sources/sts.hpp"

#include <array>
#include <pullcred/text.hpp>
#include <pullcred/time.hpp>

#include "aws/sources/secrets.hpp"

namespace pullcred::aws::sources::sts {

namespace {

std::string decode_entities(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '&') {
            out += text[i];
            continue;
        }
        const auto end = text.find(';', i);
        if (end == std::string_view::npos || end - i > 10) {
            out += '&';
            continue;
        }
        const auto name = text.substr(i + 1, end - i - 1);
        static constexpr std::array<std::pair<std::string_view, char>, 5> kNamed{
            {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}}};
        bool done = false;
        for (const auto &[entity, c] : kNamed)
            if (name == entity) {
                out += c;
                done = true;
            }
        if (!done && name.size() > 1 && name[0] == '#') {
            const bool hex = name[1] == 'x' || name[1] == 'X';
            unsigned long code = 0;
            bool valid = name.size() > (hex ? 2U : 1U);
            for (char c : name.substr(hex ? 2 : 1)) {
                int digit = -1;
                if (c >= '0' && c <= '9')
                    digit = c - '0';
                else if (hex && c >= 'a' && c <= 'f')
                    digit = c - 'a' + 10;
                else if (hex && c >= 'A' && c <= 'F')
                    digit = c - 'A' + 10;
                if (digit < 0 || code > 0x10FFFF) {
                    valid = false;
                    break;
                }
                code = code * (hex ? 16 : 10) + static_cast<unsigned long>(digit);
            }
            if (valid && code < 0x80 && code > 0) {
                out += static_cast<char>(code);
                done = true;
            } else if (valid && code >= 0x80 && code <= 0x10FFFF) {
                // UTF-8
                if (code < 0x800) {
                    out += static_cast<char>(0xC0 | (code >> 6));
                } else if (code < 0x10000) {
                    out += static_cast<char>(0xE0 | (code >> 12));
                    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
                } else {
                    out += static_cast<char>(0xF0 | (code >> 18));
                    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
                    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
                }
                out += static_cast<char>(0x80 | (code & 0x3F));
                done = true;
            }
        }
        if (!done) {
            out += '&';
            continue;
        }
        i = end;
    }
    return out;
}

// The raw inner text of the first <tag>...</tag>; nullopt when absent or not closed.
std::optional<std::string_view> raw_element(std::string_view xml, std::string_view tag) {
    const std::string open = "<" + std::string(tag);
    std::size_t from = 0;
    while (true) {
        const auto start = xml.find(open, from);
        if (start == std::string_view::npos) return std::nullopt;
        const auto after = start + open.size();
        if (after >= xml.size()) return std::nullopt;
        const char next = xml[after];
        if (next != '>' && next != ' ' && next != '\t' && next != '\n' && next != '\r' && next != '/') {
            from = after; // a longer tag name (<CredentialsX>)
            continue;
        }
        const auto close_of_open = xml.find('>', after);
        if (close_of_open == std::string_view::npos) return std::nullopt;
        if (xml[close_of_open - 1] == '/') return std::string_view(); // <Tag/>
        const std::string close = "</" + std::string(tag) + ">";
        const auto end = xml.find(close, close_of_open + 1);
        if (end == std::string_view::npos) return std::nullopt;
        return xml.substr(close_of_open + 1, end - close_of_open - 1);
    }
}

bool retryable_code(std::string_view code) {
    return code == "Throttling" || code == "ThrottlingException" || code == "RequestLimitExceeded" ||
           code == "IDPCommunicationError" || code == "ServiceUnavailable" || code == "InternalFailure";
}

sdk::Result<sdk::Credentials> call(const sdk::Host &host, const aws::Endpoint &endpoint, std::string body,
                                   const sdk::Credentials *signer, const std::string &what) {
    sdk::HttpRequest request;
    request.method = "POST";
    request.url = endpoint.url + "/";
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    request.body = std::move(body);
    const auto where = " (STS endpoint " + endpoint.url + ")";
    if (signer != nullptr) {
        sdk::SigV4Params params{
            endpoint.signing_name, endpoint.signing_region, signer->get(PULLCRED_FIELD_ACCESS_KEY_ID),
            signer->get(PULLCRED_FIELD_SECRET_ACCESS_KEY), signer->get(PULLCRED_FIELD_SESSION_TOKEN)};
        if (auto signed_ok = host.sign_sigv4(request, params); !signed_ok.ok())
            return signed_ok.error().with_message(what +
                                                  ": cannot sign the request: " + signed_ok.error().message);
    }
    auto response = host.http(request);
    if (!response.ok()) return response.error().with_message(what + ": " + response.error().message + where);
    const auto &reply = response.value();
    if (auto error = parse_error(reply.body)) {
        const bool retry = reply.status >= 500 || retryable_code(error->code);
        auto text = what + " failed: " + sdk::printable_ascii(error->code) + ": " +
                    sdk::printable_ascii(error->message) + where;
        return retry ? sdk::Error::retryable(std::move(text)) : sdk::Error::failed(std::move(text));
    }
    if (reply.status < 200 || reply.status > 299) {
        auto text = what + " failed: STS answered HTTP " + std::to_string(reply.status) +
                    " without an STS error document" + where;
        return reply.status >= 500 || reply.status == 429 ? sdk::Error::retryable(std::move(text))
                                                          : sdk::Error::failed(std::move(text));
    }
    auto issued = parse_credentials(reply.body);
    if (!issued.ok()) return sdk::Error::failed(what + ": " + issued.error().message + where);
    auto &value = issued.value();
    report_secret(value.secret_access_key);
    report_secret(value.session_token);
    sdk::Credentials credentials;
    credentials.fields[PULLCRED_FIELD_ACCESS_KEY_ID] = std::move(value.access_key_id);
    credentials.fields[PULLCRED_FIELD_SECRET_ACCESS_KEY] = std::move(value.secret_access_key);
    credentials.fields[PULLCRED_FIELD_SESSION_TOKEN] = std::move(value.session_token);
    credentials.expires_unix = value.expires_unix;
    return credentials;
}

std::string role_fields(const RoleRequest &request) {
    std::string body = "&Version=2011-06-15&RoleArn=" + form_encode(request.role_arn) +
                       "&RoleSessionName=" + form_encode(request.session_name);
    if (request.external_id) body += "&ExternalId=" + form_encode(*request.external_id);
    if (request.duration_seconds) body += "&DurationSeconds=" + std::to_string(*request.duration_seconds);
    return body;
}

} // namespace

std::optional<std::string> element_text(std::string_view xml, std::string_view tag) {
    auto raw = raw_element(xml, tag);
    if (!raw) return std::nullopt;
    return decode_entities(*raw);
}

sdk::Result<IssuedCredentials> parse_credentials(std::string_view xml) {
    auto block = raw_element(xml, "Credentials");
    if (!block)
        return sdk::Error::failed(xml.find("<Credentials") == std::string_view::npos
                                      ? "the STS reply has no <Credentials> (malformed reply)"
                                      : "the STS reply is truncated inside <Credentials> (malformed reply)");
    IssuedCredentials out;
    std::string expiration;
    const std::array<std::pair<std::string_view, std::string *>, 4> fields{
        {{"AccessKeyId", &out.access_key_id},
         {"SecretAccessKey", &out.secret_access_key},
         {"SessionToken", &out.session_token},
         {"Expiration", &expiration}}};
    for (const auto &[name, target] : fields) {
        auto text = element_text(*block, name);
        if (!text || text->empty())
            return sdk::Error::failed("the STS reply has no <" + std::string(name) +
                                      "> in <Credentials> (malformed reply)");
        *target = std::move(*text);
    }
    auto expires = sdk::parse_rfc3339(expiration);
    if (!expires)
        return sdk::Error::failed("the STS reply's <Expiration> is not an RFC 3339 time (malformed reply)");
    out.expires_unix = *expires;
    return out;
}

std::optional<ErrorReply> parse_error(std::string_view xml) {
    auto block = raw_element(xml, "Error");
    if (!block) return std::nullopt;
    ErrorReply out;
    out.code = element_text(*block, "Code").value_or("");
    out.message = element_text(*block, "Message").value_or("");
    if (out.code.empty()) return std::nullopt;
    return out;
}

std::string form_encode(std::string_view value) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') || (byte >= '0' && byte <= '9') ||
            byte == '-' || byte == '_' || byte == '.' || byte == '~') {
            out += c;
        } else {
            out += '%';
            out += kHex[byte >> 4];
            out += kHex[byte & 0xF];
        }
    }
    return out;
}

sdk::Result<sdk::Credentials> assume_role(const sdk::Host &host, const aws::Endpoint &endpoint,
                                          const sdk::Credentials &source, const RoleRequest &request,
                                          const std::string &what) {
    return call(host, endpoint, "Action=AssumeRole" + role_fields(request), &source, what);
}

sdk::Result<sdk::Credentials>
assume_role_with_web_identity(const sdk::Host &host, const aws::Endpoint &endpoint,
                              const RoleRequest &request, const std::string &token, const std::string &what) {
    RoleRequest without_external = request;
    without_external.external_id.reset(); // not a parameter of AssumeRoleWithWebIdentity
    return call(host, endpoint,
                "Action=AssumeRoleWithWebIdentity" + role_fields(without_external) +
                    "&WebIdentityToken=" + form_encode(token),
                nullptr, what);
}

} // namespace pullcred::aws::sources::sts
