// Example pullcred module: a credential source that fetches AWS keys from an
// HTTP endpoint serving the container-credentials JSON
// ({"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}), with a bearer
// token read from a file. Any registry backend (aws.ecr) then uses the keys.
// Built only against the installed SDK (see CMakeLists.txt and
// docs/modules.md, "Writing a credential source").
#include <pullcred/module.hpp>
#include <pullcred/time.hpp>
#include <string>

namespace {

using pullcred::sdk::Config;
using pullcred::sdk::ConfigError;
using pullcred::sdk::Credentials;
using pullcred::sdk::CredentialsRequest;
using pullcred::sdk::Error;
using pullcred::sdk::Host;
using pullcred::sdk::HttpRequest;
using pullcred::sdk::Result;

constexpr const char *kSchema = R"({
  "type": "object",
  "additionalProperties": false,
  "required": ["url"],
  "properties": {
    "url": {"type": "string", "pattern": "^https?://"},
    "tokenFile": {"type": "string", "minLength": 1}
  }
})";

class HttpKeysSource final : public pullcred::sdk::CredentialSource {
public:
    HttpKeysSource(Host host, const Config &config)
        : host_(host), url_(config.value("url", "")), token_file_(config.value("tokenFile", "")) {
        if (url_.empty()) throw ConfigError("url is required");
    }

    Result<Credentials> get_credentials(const CredentialsRequest & /*request*/) override {
        HttpRequest request;
        request.url = url_;
        if (!token_file_.empty()) {
            // Through the host: it refuses special files and files others can
            // write, and a cached answer is dropped when the file changes.
            auto token = host_.read_file(token_file_);
            if (!token.ok()) return token.error();
            if (!token.value()) return Error::failed("tokenFile " + token_file_ + " does not exist");
            request.headers.emplace_back("Authorization", "Bearer " + trimmed(*token.value()));
        }
        auto response = host_.http(request);
        if (!response.ok()) return response.error(); // no reply at all: the host's code says why
        const auto &reply = response.value();
        if (reply.status == 429 || reply.status >= 500)
            return Error::retryable(url_ + " answered HTTP " + std::to_string(reply.status));
        if (reply.status != 200)
            return Error::failed(url_ + " answered HTTP " + std::to_string(reply.status) +
                                 ": check the url and the token");
        return parse(reply.body);
    }

private:
    static std::string trimmed(std::string text) {
        const auto first = text.find_first_not_of(" \t\r\n");
        const auto last = text.find_last_not_of(" \t\r\n");
        return first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
    }

    // Never quotes the body: it holds the secret key.
    [[nodiscard]] Result<Credentials> parse(const std::string &body) const {
        const auto json = nlohmann::json::parse(body, nullptr, false);
        auto text = [&](const char *key) -> std::string {
            const auto it = json.is_object() ? json.find(key) : json.end();
            return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
        };
        Credentials credentials;
        const auto key_id = text("AccessKeyId");
        const auto secret = text("SecretAccessKey");
        if (key_id.empty() || secret.empty())
            return Error::failed(url_ + " answered without AccessKeyId and SecretAccessKey");
        credentials.set(PULLCRED_FIELD_ACCESS_KEY_ID, key_id);
        credentials.set(PULLCRED_FIELD_SECRET_ACCESS_KEY, secret);
        if (const auto token = text("Token"); !token.empty())
            credentials.set(PULLCRED_FIELD_SESSION_TOKEN, token);
        if (const auto expiration = text("Expiration"); !expiration.empty()) {
            credentials.expires_unix = pullcred::sdk::parse_rfc3339(expiration);
            if (!credentials.expires_unix)
                return Error::failed(url_ + " answered an Expiration that is not an RFC 3339 time");
        }
        return credentials;
    }

    Host host_;
    std::string url_;
    std::string token_file_;
};

} // namespace

PULLCRED_MODULE("http-keys-source", MODULE_VERSION,
                pullcred::sdk::credential_source<HttpKeysSource>("example.http-keys", kSchema))
