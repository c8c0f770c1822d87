// The on-disk cache: one JSON file per key in a private directory.
//  - the directory is 0700 and owned by the running user (created so when
//    missing); anything else is refused with the fix;
//  - files are 0600, written atomically (temp file + rename);
//  - a corrupt, truncated or unreadable entry is treated as absent and
//    replaced by the next write, never fatal.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "cache/inputs.hpp"
#include "util/result.hpp"

namespace pullcred::cache {

struct Entry {
    std::int64_t created_unix = 0;
    std::int64_t expires_unix = 0; // after this the entry must not be served
    std::int64_t refresh_unix = 0; // after this a refresh is attempted
    nlohmann::json data;           // what the entry caches (secrets included)
    Inputs inputs;                 // what it was made from
};

enum class Freshness { absent, fresh, stale, expired };

// An entry file's text: strict JSON {"version":2,"created":..,"expires":..,
// "refresh":..,"data":{..},"inputs":{..}}; an error for anything else. encode_entry writes
// that text (invalid UTF-8 in data replaced).
Result<Entry> parse_entry(std::string_view text);
std::string encode_entry(const Entry &entry);

Freshness freshness_of(const std::optional<Entry> &entry, std::int64_t now_unix);
std::string_view to_string(Freshness freshness);

class Store {
public:
    // Checks (and creates) the directory; an unsafe one is an Error.
    static Result<Store> open(const std::filesystem::path &directory);

    // nullopt when absent or unusable (corrupt, wrong owner or mode), or when
    // an input it was made from has changed since.
    // `changed` (optional) receives which input changed, when that is why.
    [[nodiscard]] std::optional<Entry> read(std::string_view key, std::string *changed = nullptr) const;
    Status write(std::string_view key, const Entry &entry) const;
    void remove(std::string_view key) const;

    [[nodiscard]] const std::filesystem::path &directory() const { return directory_; }
    [[nodiscard]] std::filesystem::path path_of(std::string_view key,
                                                std::string_view suffix = ".json") const;

private:
    explicit Store(std::filesystem::path directory) : directory_(std::move(directory)) {}
    std::filesystem::path directory_;
};

// A refresh is due at a random point between 70% and 85% of the lifetime,
// so that nodes that fetched together do not refresh together; and at
// least a minute before expiry (half the lifetime for lives under 2 min).
inline constexpr std::int64_t kRefreshEarliestPercent = 70;
inline constexpr std::int64_t kRefreshLatestPercent = 85;

// Where in that window: a draw in [0, 1] (0 = earliest, 1 = latest).
std::int64_t refresh_point(std::int64_t now_unix, std::int64_t expires_unix, double draw);

// Returns draws in [0, 1]. Tests and simulations pass a seeded one; the
// default draws from an engine seeded by the OS.
using RefreshDraw = std::function<double()>;

// Entries expire at `expires` and are due for refresh at refresh_point().
Entry make_entry(nlohmann::json data, std::int64_t now_unix, std::int64_t expires_unix, Inputs inputs = {},
                 const RefreshDraw &draw = {});

} // namespace pullcred::cache
