// Read-through cache with single-flight across processes:
//   fresh entry          -> served, nothing else happens
//   failure recorded     -> a fetch of this key failed seconds ago: its error
//     moments ago           (or the still-valid stale entry) without calling upstream
//   stale (refresh due)  -> refreshed when the key's lock is free now and the
//                           deadline leaves time; else served as it is
//                           (stale-while-revalidate); a failed refresh also
//                           serves it (stale-if-error). A stale answer is
//                           marked `stale` so kubelet is told to ask again soon.
//   absent/expired       -> wait for the lock (bounded by the deadline): the
//                           holder's outcome, entry or recorded failure, is
//                           this request's outcome; else fetch, store, serve.
//                           A lock that cannot be used at all: fetch without it.
// Every cache problem is a warning: the cache never turns into an error
// while the upstream answers.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "cache/codec.hpp"
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
    bool stale = false; // a refresh was due and did not happen: ask again soon
    Inputs inputs;
};

// The same, for a value the cache writes with Codec<T> (cache/codec.hpp).
template <class T> struct FetchedValue {
    T value;
    std::optional<std::int64_t> expires_unix; // none: not cached
    Inputs inputs;
};

template <class T> struct ServedValue {
    T value;
    bool from_cache = false;
    bool stale = false;
    Inputs inputs;
};

struct Deadline {
    std::int64_t unix_ms = 0;        // when this invocation must have answered
    std::chrono::seconds setting{0}; // settings.deadline, named in errors
};

class Cache {
public:
    // nullopt when disabled; an unusable directory is logged once as a
    // warning with the fix, and the invocation goes on without a cache.
    static std::optional<Cache> open(const config::CacheSettings &settings);

    // `usable` vets an entry's data read back from disk: an entry it refuses
    // is treated as absent, so a damaged file is replaced, never fatal.
    Result<Served> through(const std::string &key, std::int64_t now_unix, const Deadline &deadline,
                           const std::function<Result<Fetched>()> &fetch,
                           const std::function<bool(const nlohmann::json &)> &usable) const;

    // through() for a typed value: encoded only to be written, decoded only
    // when read back; `usable` vets a value read back.
    template <class T>
    Result<ServedValue<T>> serve(const std::string &key, std::int64_t now_unix, const Deadline &deadline,
                                 const std::function<Result<FetchedValue<T>>()> &fetch,
                                 const std::function<bool(const T &)> &usable) const;

    [[nodiscard]] std::optional<Entry> peek(const std::string &key, std::string *changed = nullptr) const {
        return store_.read(key, changed);
    }
    // Removes the entry: what it holds must not be served again.
    void forget(const std::string &key) const { store_.remove(key); }
    [[nodiscard]] const Store &store() const { return store_; }

    // The clock (unix ms) that times waits and recorded failures; tests set it.
    void use_clock(std::function<std::int64_t()> now_unix_ms) { clock_ = std::move(now_unix_ms); }

private:
    explicit Cache(Store store);
    Result<Served> fetch_and_keep(const std::string &key, std::int64_t now_unix, const Deadline &deadline,
                                  const std::function<Result<Fetched>()> &fetch,
                                  const std::optional<Entry> &entry) const;
    Store store_;
    std::function<std::int64_t()> clock_;
    mutable bool lock_problem_told_ = false;
};

template <class T>
Result<ServedValue<T>> Cache::serve(const std::string &key, std::int64_t now_unix, const Deadline &deadline,
                                    const std::function<Result<FetchedValue<T>>()> &fetch,
                                    const std::function<bool(const T &)> &usable) const {
    // The value fetched, else that of the entry read last: through() serves
    // an entry only from its last read, and fetches after every read.
    std::optional<T> value;
    auto served = through(
        key, now_unix, deadline,
        [&]() -> Result<Fetched> {
            auto got = fetch();
            if (!got) return got.error();
            auto data = Codec<T>::encode(got->value);
            value = std::move(got->value);
            return Fetched{std::move(data), got->expires_unix, std::move(got->inputs)};
        },
        [&](const nlohmann::json &data) {
            value = Codec<T>::decode(data);
            if (value && !usable(*value)) value.reset();
            return value.has_value();
        });
    if (!served) return served.error();
    if (!value) return Error::failed("cache entry has an unexpected shape");
    return ServedValue<T>{std::move(*value), served->from_cache, served->stale, std::move(served->inputs)};
}

} // namespace pullcred::cache
