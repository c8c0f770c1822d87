// Read-through cache with single-flight across processes:
//   fresh entry          -> served, nothing else happens
//   absent/stale/expired -> take the key's lock, look again (another process
//                           may have just fetched), fetch, store, serve
//   fetch fails          -> a still-valid stale entry is served with a warning
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "cache/store.hpp"
#include "config/model.hpp"
#include "util/result.hpp"

namespace pullcred::cache {

struct Fetched {
    nlohmann::json data;
    std::optional<std::int64_t> expires_unix; // none: not cached
    Inputs inputs;                            // what it was made from
};

struct Served {
    nlohmann::json data;
    bool from_cache = false;
    Inputs inputs;
};

class Cache {
public:
    // nullopt when disabled; an unusable directory is logged once as a
    // warning with the fix, and the invocation goes on without a cache.
    static std::optional<Cache> open(const config::CacheSettings &settings);

    // `usable` vets an entry's data read back from disk: an entry it refuses
    // is treated as absent, so a damaged file is replaced, never fatal.
    Result<Served> through(const std::string &key, std::int64_t now_unix, std::int64_t deadline_unix_ms,
                           const std::function<Result<Fetched>()> &fetch,
                           const std::function<bool(const nlohmann::json &)> &usable) const;

    [[nodiscard]] std::optional<Entry> peek(const std::string &key, std::string *changed = nullptr) const {
        return store_.read(key, changed);
    }
    // Removes the entry: what it holds must not be served again.
    void forget(const std::string &key) const { store_.remove(key); }
    [[nodiscard]] const Store &store() const { return store_; }

private:
    explicit Cache(Store store) : store_(std::move(store)) {}
    Store store_;
};

} // namespace pullcred::cache
