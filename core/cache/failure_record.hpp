// A failed fetch, remembered for a few seconds beside the key's entry
// ("<key>.fail.json", 0600), so that the processes that waited for it and a
// burst arriving just after get the same error instead of calling upstream
// again. It holds the (redacted) error text only, never data.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "util/result.hpp"

namespace pullcred::cache {

struct FailureRecord {
    std::string error; // the error text, as the fetch reported it (redacted)
    ErrorCode code = ErrorCode::failed;
    std::string status; // the upstream's status as quoted in `error` ("HTTP 503"), or empty
    std::int64_t created_ms = 0;
    std::int64_t until_ms = 0; // a burst arriving before this gets the error
    long pid = 0;              // the process whose fetch failed
};

// Seconds a failure is shared at most.
inline constexpr std::int64_t kFailureShareMs = 5000;

// The record for an error seen at `now_ms` by an invocation whose deadline is
// `deadline_unix_ms`: kept min(5 s, what is left of that deadline).
FailureRecord make_failure_record(const Error &error, std::int64_t now_ms, std::int64_t deadline_unix_ms);

// Written atomically; nothing is written for a record already past.
Status write_failure_record(const std::filesystem::path &path, const FailureRecord &record);
// nullopt when absent, damaged, not ours or not private.
std::optional<FailureRecord> read_failure_record(const std::filesystem::path &path);

} // namespace pullcred::cache
