#include "cache/cache.hpp"

#include <algorithm>
#include <unistd.h>

#include "cache/failure_record.hpp"
#include "cache/lock.hpp"
#include "cache/prune.hpp"
#include "log/logger.hpp"
#include "util/clock.hpp"

namespace pullcred::cache {

namespace {

// With less time than this left, a stale entry is served without a refresh.
constexpr std::int64_t kRefreshNeedsMs = 2000;
// A waiter waits this long past its deadline for the holder's outcome: the
// holder started first, and its last HTTP attempt may end at the deadline.
constexpr std::int64_t kOutcomeGraceMs = 1500;

Served from_entry(const Entry &entry) {
    return Served{entry.data, true, false, entry.inputs};
}

Served serve_stale(const Entry &entry, std::int64_t now_unix, const std::string &why) {
    log::warn(why + "; serving the cached answer, valid for another " +
              std::to_string(entry.expires_unix - now_unix) + " s");
    return Served{entry.data, true, true, entry.inputs};
}

std::string process_name(std::optional<long> pid) {
    return pid ? "process " + std::to_string(*pid) : std::string("another process");
}

std::string seconds_ago(std::int64_t then_ms, std::int64_t now_ms) {
    const auto ms = std::max<std::int64_t>(now_ms - then_ms, 0);
    return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + " s ago";
}

// The recorded failure, as this request's outcome.
Result<Served> shared_failure(const FailureRecord &failure, const std::optional<Entry> &entry,
                              std::int64_t now_unix, std::int64_t now_ms) {
    if (failure.code != ErrorCode::not_applicable && freshness_of(entry, now_unix) == Freshness::stale)
        return serve_stale(*entry, now_unix,
                           failure.error + " (refresh failed " + seconds_ago(failure.created_ms, now_ms) +
                               ")");
    log::debug("the same fetch failed " + seconds_ago(failure.created_ms, now_ms) + " in process " +
               std::to_string(failure.pid) + "; its error is this request's");
    return Error{failure.error, failure.code};
}

std::string waited_in_vain(const KeyLock &lock, const std::filesystem::path &lock_path,
                           const Deadline &deadline) {
    const auto holder = process_name(lock.holder_pid());
    const auto limit = deadline.setting.count() > 0
                           ? " (settings.deadline " + std::to_string(deadline.setting.count()) + " s)"
                           : std::string();
    return "cache: no answer within the deadline" + limit + ": " + holder + " held the lock " +
           lock_path.string() +
           " all along, fetching the same answer, and did not finish; if this persists, it is stopped or "
           "hung: look at it with ps -o pid,stat,etime,args -p PID";
}

} // namespace

Cache::Cache(Store store) : store_(std::move(store)), clock_(&util::now_unix_ms) {}

std::optional<Cache> Cache::open(const config::CacheSettings &settings) {
    if (!settings.enabled) return std::nullopt;
    auto store = Store::open(settings.dir);
    if (!store) {
        log::warn(store.error().message + "; going on without the cache");
        return std::nullopt;
    }
    return Cache(std::move(*store));
}

Result<Served> Cache::through(const std::string &key, std::int64_t now_unix, const Deadline &deadline,
                              const std::function<Result<Fetched>()> &fetch,
                              const std::function<bool(const nlohmann::json &)> &usable) const {
    const auto read = [&] {
        auto entry = store_.read(key);
        if (entry && !usable(entry->data)) entry.reset();
        return entry;
    };
    auto entry = read();
    if (freshness_of(entry, now_unix) == Freshness::fresh) return from_entry(*entry);
    const bool valid = freshness_of(entry, now_unix) == Freshness::stale;

    const auto failure_path = store_.path_of(key, ".fail.json");
    if (auto failure = read_failure_record(failure_path); failure && failure->until_ms > clock_())
        return shared_failure(*failure, entry, now_unix, clock_());
    if (valid && deadline.unix_ms - clock_() < kRefreshNeedsMs)
        return serve_stale(*entry, now_unix, "cache: too close to the deadline to refresh the answer");

    const auto lock_path = store_.path_of(key, ".lock");
    auto lock = KeyLock::try_lock(lock_path);
    if (lock.state() == KeyLock::State::unusable) {
        const auto problem = lock.problem() +
                             " (fix: a cache directory owned by the running user, mode 0700, "
                             "on a writable file system with free space and inodes)";
        if (valid) return serve_stale(*entry, now_unix, problem);
        // One warning per process: the other keys' locks share the directory's problem.
        if (lock_problem_told_)
            log::debug(problem + "; fetching without the lock");
        else
            log::warn(problem + "; fetching without the lock");
        lock_problem_told_ = true;
        return fetch_and_keep(key, now_unix, deadline, fetch, entry);
    }
    std::optional<std::int64_t> waited_from;
    if (lock.state() == KeyLock::State::busy) {
        if (valid)
            return serve_stale(*entry, now_unix,
                               "cache: a refresh is already running in " + process_name(lock.holder_pid()));
        waited_from = clock_();
        if (!lock.wait_until(deadline.unix_ms + kOutcomeGraceMs))
            return Error::failed(waited_in_vain(lock, lock_path, deadline));
    }

    entry = read();
    if (freshness_of(entry, now_unix) == Freshness::fresh) return from_entry(*entry);
    if (auto failure = read_failure_record(failure_path);
        failure && (failure->until_ms > clock_() || (waited_from && failure->created_ms >= *waited_from)))
        return shared_failure(*failure, entry, now_unix, clock_());
    return fetch_and_keep(key, now_unix, deadline, fetch, entry);
}

Result<Served> Cache::fetch_and_keep(const std::string &key, std::int64_t now_unix, const Deadline &deadline,
                                     const std::function<Result<Fetched>()> &fetch,
                                     const std::optional<Entry> &entry) const {
    const auto failure_path = store_.path_of(key, ".fail.json");
    auto fetched = fetch();
    if (!fetched) {
        const auto record = make_failure_record(fetched.error(), clock_(), deadline.unix_ms);
        if (auto written = write_failure_record(failure_path, record); !written)
            log::debug(written.error().message);
        // Stale-if-error, for temporary and permanent failures alike while
        // the entry is valid; "not applicable" is no failure to cover.
        if (fetched.error().code != ErrorCode::not_applicable &&
            freshness_of(entry, now_unix) == Freshness::stale)
            return serve_stale(*entry, now_unix, fetched.error().message);
        return fetched.error();
    }
    (void)::unlink(failure_path.c_str());
    if (fetched->expires_unix && *fetched->expires_unix > now_unix) {
        if (auto written = store_.write(
                key, make_entry(fetched->data, now_unix, *fetched->expires_unix, fetched->inputs));
            !written)
            log::warn(written.error().message + "; answering without caching it");
        prune_if_due(store_, now_unix);
    }
    return Served{std::move(fetched->data), false, false, std::move(fetched->inputs)};
}

} // namespace pullcred::cache
