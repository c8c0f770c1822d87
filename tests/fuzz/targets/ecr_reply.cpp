// pullcred_ecr::parse_reply: ECR and ECR Public GetAuthorizationToken
// replies. Input: first byte picks the status and the API (bit 3: Public),
// then the body. Also base64_decode.
// Properties: a token only from a 200, with a user name and password whose
// base64 round trips; otherwise a status with a one-line message that
// quotes no token; throttling and 5xx are RETRYABLE.
#include "ecr_reply.hpp"
#include "base64.hpp"
#include "fuzz_secret.hpp"

using namespace pullcred;

namespace {
std::string base64_encode(std::string_view in) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const auto n = static_cast<unsigned>(static_cast<unsigned char>(in[i])) << 16 |
                       static_cast<unsigned>(static_cast<unsigned char>(in[i + 1])) << 8 |
                       static_cast<unsigned char>(in[i + 2]);
        for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(n >> s) & 63];
    }
    if (i < in.size()) {
        auto n = static_cast<unsigned>(static_cast<unsigned char>(in[i])) << 16;
        if (i + 1 < in.size()) n |= static_cast<unsigned>(static_cast<unsigned char>(in[i + 1])) << 8;
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    if (size == 0) return 0;
    static constexpr int kStatus[] = {200, 200, 400, 403, 429, 500, 503, 302};
    sdk::HttpResponse response;
    response.status = kStatus[data[0] & 7];
    response.headers = {{"Content-Type", "application/x-amz-json-1.1"}};
    response.body = std::string(fuzz::as_text(data + 1, size - 1));
    pullcred_ecr::CallContext context;
    context.is_public = (data[0] & 8) != 0;
    context.api = context.is_public ? "ECR Public" : "ECR";
    context.region = "us-east-1";
    context.profile = "fuzz";
    context.endpoint = "https://api.ecr.us-east-1.amazonaws.com/";
    auto token = pullcred_ecr::parse_reply(response, context);
    if (token.ok()) {
        FUZZ_CHECK(response.status == 200, "token from status " + std::to_string(response.status));
        FUZZ_CHECK(!token.value().username.empty() && !token.value().password.empty(), "empty token part");
    } else {
        FUZZ_CHECK(token.status().code != PULLCRED_OK, "error status OK");
        fuzz::check_error(token.status().message, response.body, response.status != 200);
        if (response.status == 429 || response.status >= 500)
            FUZZ_CHECK(token.status().code == PULLCRED_RETRYABLE, "not retryable: " + token.status().message);
    }
    if (auto decoded = pullcred_ecr::base64_decode(response.body)) {
        const auto encoded = base64_encode(*decoded);
        FUZZ_CHECK(pullcred_ecr::base64_decode(encoded) == decoded, "base64 round trip");
    }
    return 0;
}
