// What a credential_process prints, and the small text formats around it:
// the Version 1 JSON document, RFC 3339 times and Go durations.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <pullcred/time.hpp>
#include <string>
#include <string_view>
#include <variant>

namespace pullcred_process {

struct ProcessCredentials {
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token; // empty when there is none
    std::optional<std::int64_t> expires_unix;
};

// The credentials in a credential_process stdout:
//   {"Version": 1, "AccessKeyId": "...", "SecretAccessKey": "...",
//    "SessionToken": "...", "Expiration": "2026-11-28T12:00:00Z"}
// SessionToken and Expiration are optional, unknown fields are ignored. An
// Expiration at or before `now_unix` is an error. The error text says what is
// wrong ("printed ...") and never quotes stdout, which holds secrets.
std::variant<ProcessCredentials, std::string> parse_credential_output(std::string_view stdout_text,
                                                                      std::int64_t now_unix);

// `line` (the command's last stderr line, quoted in errors) with every value
// the command printed on stdout withheld: a command that failed after printing
// its keys must not get them echoed through stderr. Values are the strings of
// stdout's JSON, or its words when it is not JSON; short ones (< 8) are kept.
std::string withhold_stdout_values(std::string line, std::string_view stdout_text);

// RFC 3339 times: the SDK's (pullcred/time.hpp).
using pullcred::sdk::format_rfc3339;
using pullcred::sdk::parse_rfc3339;

// A Go duration ("30s", "1m30s", "1.5s", "500ms"; units ns us µs ms s m h),
// not negative, rounded up to whole milliseconds; nullopt when malformed.
std::optional<std::chrono::milliseconds> parse_go_duration(std::string_view text);

// Like Go's Duration.String() for milliseconds: "30s", "1m30s", "1.5s", "250ms".
std::string format_duration(std::chrono::milliseconds duration);

} // namespace pullcred_process
