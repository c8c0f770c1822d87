// pullcred_process::parse_credential_output: what a credential_process prints.
// Properties: accepted output has both keys and an expiry after `now`; it
// re-encodes (format_rfc3339) and parses back to the same credentials; an
// error is one line and quotes no secret; RFC 3339 and Go durations round
// trip through their formatters.
#include <nlohmann/json.hpp>

#include "fuzz_secret.hpp"
#include "process_output.hpp"

using namespace pullcred;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    constexpr std::int64_t now = 1'800'000'000;
    auto parsed = pullcred_process::parse_credential_output(text, now);
    if (auto *error = std::get_if<std::string>(&parsed)) {
        fuzz::check_error(*error, text);
    } else {
        const auto &c = std::get<pullcred_process::ProcessCredentials>(parsed);
        FUZZ_CHECK(!c.access_key_id.empty() && !c.secret_access_key.empty(), "accepted without keys");
        FUZZ_CHECK(!c.expires_unix || *c.expires_unix > now, "accepted an expired answer");
        nlohmann::json again{
            {"Version", 1}, {"AccessKeyId", c.access_key_id}, {"SecretAccessKey", c.secret_access_key}};
        if (!c.session_token.empty()) again["SessionToken"] = c.session_token;
        if (c.expires_unix) again["Expiration"] = pullcred_process::format_rfc3339(*c.expires_unix);
        std::string dumped;
        try {
            dumped = again.dump();
        } catch (const nlohmann::json::type_error &) {
            return 0; // not UTF-8: cannot be written back strictly
        }
        auto reparsed = pullcred_process::parse_credential_output(dumped, now);
        FUZZ_CHECK(std::holds_alternative<pullcred_process::ProcessCredentials>(reparsed),
                   "re-encoded answer refused: " + fuzz::escape(dumped));
        const auto &r = std::get<pullcred_process::ProcessCredentials>(reparsed);
        FUZZ_CHECK(r.access_key_id == c.access_key_id && r.secret_access_key == c.secret_access_key &&
                       r.session_token == c.session_token && r.expires_unix == c.expires_unix,
                   "round trip changed " + fuzz::escape(dumped));
    }
    if (auto t = pullcred_process::parse_rfc3339(text)) {
        const auto formatted = pullcred_process::format_rfc3339(*t);
        FUZZ_CHECK(pullcred_process::parse_rfc3339(formatted) == t, "rfc3339 round trip: " + formatted);
    }
    if (auto d = pullcred_process::parse_go_duration(text)) {
        FUZZ_CHECK(d->count() >= 0, "negative duration");
        const auto formatted = pullcred_process::format_duration(*d);
        FUZZ_CHECK(pullcred_process::parse_go_duration(formatted) == d, "duration round trip: " + formatted);
    }
    return 0;
}
