// Cache housekeeping. Without it every token rotation, config edit and key
// would leave files behind for good. After a write, at most once an hour (the
// mtime of a marker file), pullcred removes the files of its own naming
// (creds-/auth-/config-ok-/hitplan- and 64 hex digits) that can no longer serve:
//   - entries an hour past their expiry, and unreadable ones a day old;
//   - config stamps and hit plans untouched for 30 days (a missing stamp
//     costs one schema check, a missing plan one full parse);
//   - lock files a day old whose entry is gone;
//   - temporary files an hour old (a writer that died mid-write).
// An entry or lock is removed only while its key's lock is free and held by
// the pruner, so no fetch in progress loses its result. Anything else in the
// directory is left alone.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cache/store.hpp"

namespace pullcred::cache {

// Scans now; returns how many files were removed.
std::size_t prune(const Store &store, std::int64_t now_unix);

// prune() when the last run is an hour old or more (or never happened).
void prune_if_due(const Store &store, std::int64_t now_unix);

} // namespace pullcred::cache
