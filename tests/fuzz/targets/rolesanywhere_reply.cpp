// pullcred_ra::parse_session_reply: IAM Roles Anywhere CreateSession replies.
// Input: first byte picks the status (200, 400, 403, 429, 500, 503), then the
// X-Amzn-ErrorType up to the first newline, then the body.
// Properties: credentials only from a 2xx, complete; otherwise an error that
// is one line and quotes no secret; throttling and 5xx are retryable; also
// parse_arn and parse_rfc3339 (rebuild / round trip).
#include "create_session.hpp"
#include "fuzz_secret.hpp"
#include "x509_material.hpp"

using namespace pullcred;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    if (size == 0) return 0;
    static constexpr int kStatus[] = {200, 201, 400, 403, 404, 429, 500, 503};
    const int status = kStatus[data[0] % 8];
    auto rest = fuzz::as_text(data + 1, size - 1);
    const auto newline = rest.find('\n');
    const auto error_type = newline == std::string_view::npos ? std::string_view{} : rest.substr(0, newline);
    const auto body = newline == std::string_view::npos ? rest : rest.substr(newline + 1);
    const auto reply = pullcred_ra::parse_session_reply(status, error_type, body);
    if (reply.credentials) {
        FUZZ_CHECK(status / 100 == 2, "credentials from status " + std::to_string(status));
        const auto &c = *reply.credentials;
        FUZZ_CHECK(!c.access_key_id.empty() && !c.secret_access_key.empty() && !c.session_token.empty(),
                   "incomplete credentials accepted");
        FUZZ_CHECK(pullcred_ra::parse_rfc3339(c.expiration) == c.expires_unix, "expiry differs from text");
    } else {
        fuzz::check_error(reply.error.message, rest, status / 100 != 2);
        if (status == 429 || status >= 500)
            FUZZ_CHECK(reply.error.kind == pullcred_ra::ReplyFailure::retryable,
                       "status " + std::to_string(status) + " not retryable");
    }
    if (auto arn = pullcred_ra::parse_arn(rest)) {
        const auto rebuilt = "arn:" + arn->partition + ":" + arn->service + ":" + arn->region + ":" +
                             arn->account + ":" + arn->resource;
        FUZZ_CHECK(rebuilt == rest, "ARN rebuilds to " + fuzz::escape(rebuilt));
    }
    if (auto t = pullcred_ra::parse_rfc3339(rest)) {
        const auto formatted = pullcred_ra::format_rfc3339(*t);
        FUZZ_CHECK(pullcred_ra::parse_rfc3339(formatted) == t, "rfc3339 round trip: " + formatted);
    }
    return 0;
}
