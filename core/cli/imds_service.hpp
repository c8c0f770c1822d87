// The IMDSv2 subset `aws_signing_helper serve` answers, without the network:
// session tokens (PUT /latest/api/token), the role name and its credentials
// under /latest/meta-data/iam/security-credentials/, every GET behind a valid
// token. Tokens live in memory only.
#pragma once

#include <boost/beast/http.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "util/result.hpp"

namespace pullcred::cli::imds {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

inline constexpr int kMaxTokenTtlSeconds = 21600;
inline constexpr std::size_t kMaxTokens = 256;

class Service {
public:
    // `document` gives the credential JSON the role's path answers.
    using Document = std::function<Result<std::string>()>;
    using Clock = std::function<std::int64_t()>; // Unix milliseconds

    Service(std::string role_name, Document document, Clock now);

    Response answer(const Request &request);

private:
    Response token(const Request &request);
    // The token's remaining seconds, or the refusal to send.
    Result<std::int64_t> check_token(const Request &request);

    std::string role_name_;
    Document document_;
    Clock now_;
    std::map<std::string, std::int64_t> tokens_; // token -> expiry (Unix ms)
};

// Random session token (base64url, 64 characters); an error if the kernel gives no randomness.
Result<std::string> new_token();

} // namespace pullcred::cli::imds
