// pullcred_ecr::parse_reply: ECR and ECR Public GetAuthorizationToken
// replies. Input: first byte picks the status and the API (bit 3: Public),
// then the body. Also the SDK's base64.
// Properties: a token only from a 200, with a user name and password whose
// base64 round trips; otherwise a status with a one-line message that
// quotes no token; throttling and 5xx are RETRYABLE.
#include "ecr_reply.hpp"
#include <pullcred/base64.hpp>

#include "fuzz_secret.hpp"

using namespace pullcred;

namespace {
// Base64 text is canonical: decoded and encoded again it is the same text,
// padded.
void check_base64(const std::string &text, sdk::Base64Alphabet alphabet) {
    const auto decoded = sdk::base64_decode(text, alphabet);
    if (!decoded) return;
    auto padded = text;
    if (padded.size() % 4 != 0) padded.append(4 - padded.size() % 4, '=');
    FUZZ_CHECK(sdk::base64_encode(*decoded, alphabet) == padded, "base64 is not canonical");
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
        FUZZ_CHECK(token.error().status() != PULLCRED_OK, "error status OK");
        fuzz::check_error(token.error().message, response.body, response.status != 200);
        if (response.status == 429 || response.status >= 500)
            FUZZ_CHECK(token.error().code == sdk::ErrorCode::retryable,
                       "not retryable: " + token.error().message);
    }
    check_base64(response.body, sdk::Base64Alphabet::standard);
    check_base64(response.body, sdk::Base64Alphabet::url);
    return 0;
}
