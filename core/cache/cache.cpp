#include "cache/cache.hpp"

#include "cache/lock.hpp"
#include "cache/prune.hpp"
#include "log/logger.hpp"

namespace pullcred::cache {

std::optional<Cache> Cache::open(const config::CacheSettings &settings) {
    if (!settings.enabled) return std::nullopt;
    auto store = Store::open(settings.dir);
    if (!store) {
        log::warn(store.error().message + "; going on without the cache");
        return std::nullopt;
    }
    return Cache(std::move(*store));
}

Result<Served> Cache::through(const std::string &key, std::int64_t now_unix, std::int64_t deadline_unix_ms,
                              const std::function<Result<Fetched>()> &fetch,
                              const std::function<bool(const nlohmann::json &)> &usable) const {
    const auto read = [&] {
        auto entry = store_.read(key);
        if (entry && !usable(entry->data)) entry.reset();
        return entry;
    };
    auto entry = read();
    if (freshness_of(entry, now_unix) == Freshness::fresh) return Served{entry->data, true, entry->inputs};

    auto lock = KeyLock::acquire(store_.path_of(key, ".lock"), deadline_unix_ms);
    if (!lock) return lock.error();
    entry = read();
    if (freshness_of(entry, now_unix) == Freshness::fresh) return Served{entry->data, true, entry->inputs};

    auto fetched = fetch();
    if (!fetched) {
        if (freshness_of(entry, now_unix) == Freshness::stale) {
            log::warn(fetched.error().message + "; serving the cached answer, valid for another " +
                      std::to_string(entry->expires_unix - now_unix) + " s");
            return Served{entry->data, true, entry->inputs};
        }
        return fetched.error();
    }
    if (fetched->expires_unix && *fetched->expires_unix > now_unix) {
        if (auto written = store_.write(
                key, make_entry(fetched->data, now_unix, *fetched->expires_unix, fetched->inputs));
            !written)
            log::warn(written.error().message);
        prune_if_due(store_, now_unix);
    }
    return Served{std::move(fetched->data), false, std::move(fetched->inputs)};
}

} // namespace pullcred::cache
