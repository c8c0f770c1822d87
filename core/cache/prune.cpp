#include "cache/prune.hpp"

#include <array>
#include <fcntl.h>
#include <optional>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/lock.hpp"

namespace pullcred::cache {

namespace {

constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::int64_t kStampLife = 30 * kDay;
constexpr std::size_t kMaxScanned = 100000;
constexpr std::string_view kMarker = "housekeeping";
constexpr std::string_view kStampPrefix = "config-ok-";
constexpr std::string_view kPlanPrefix = "hitplan-"; // request/hit_plan.hpp: KEY.plan

enum class Kind { entry, lock, temporary };

struct OwnFile {
    std::string key;
    Kind kind;
};

bool is_hex64(std::string_view text) {
    if (text.size() != 64) return false;
    for (const char c : text)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

// A file name pullcred writes: KEY.json, KEY.lock or KEY.tmp.PID.
std::optional<OwnFile> own_file(std::string_view name) {
    constexpr std::array<std::string_view, 4> kPrefixes{"auth-", "creds-", kStampPrefix, kPlanPrefix};
    for (const auto prefix : kPrefixes) {
        if (!name.starts_with(prefix) || name.size() < prefix.size() + 64) continue;
        if (!is_hex64(name.substr(prefix.size(), 64))) return std::nullopt;
        const auto key = std::string(name.substr(0, prefix.size() + 64));
        const auto suffix = name.substr(key.size());
        if (suffix == (prefix == kPlanPrefix ? ".plan" : ".json")) return OwnFile{key, Kind::entry};
        if (suffix == ".lock") return OwnFile{key, Kind::lock};
        if (suffix.starts_with(".tmp.") && suffix.size() > 5 &&
            suffix.substr(5).find_first_not_of("0123456789") == std::string_view::npos)
            return OwnFile{key, Kind::temporary};
        return std::nullopt;
    }
    return std::nullopt;
}

// Seconds since the file last changed, when it is a regular file of ours.
std::optional<std::int64_t> age_of(const std::filesystem::path &path, std::int64_t now_unix) {
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode) || info.st_uid != ::geteuid())
        return std::nullopt;
    return now_unix - static_cast<std::int64_t>(info.st_mtim.tv_sec);
}

bool path_exists(const std::filesystem::path &path) {
    struct stat info {};
    return ::lstat(path.c_str(), &info) == 0;
}

std::string_view entry_suffix(const OwnFile &file) {
    return file.key.starts_with(kPlanPrefix) ? ".plan" : ".json";
}

bool entry_is_done(const Store &store, const OwnFile &file, std::int64_t age, std::int64_t now_unix) {
    if (file.key.starts_with(kStampPrefix) || file.key.starts_with(kPlanPrefix)) return age > kStampLife;
    const auto entry = store.read(file.key);
    if (!entry) return age > kDay;
    return entry->expires_unix + kHour < now_unix;
}

// Removes the key's entry (when `entry` is set) and its lock file, holding
// the lock; false when someone else holds it.
bool remove_under_lock(const Store &store, const OwnFile &file, bool entry, std::int64_t now_unix) {
    const auto lock_path = store.path_of(file.key, ".lock");
    auto lock = KeyLock::try_acquire(lock_path);
    if (!lock) return false;
    const auto entry_path = store.path_of(file.key, entry_suffix(file));
    if (entry) {
        // Looked at again under the lock: a writer may have just replaced it.
        const auto age = age_of(entry_path, now_unix);
        if (!age || !entry_is_done(store, file, *age, now_unix)) return false;
        (void)::unlink(entry_path.c_str());
    } else if (path_exists(entry_path)) {
        return false;
    }
    (void)::unlink(lock_path.c_str());
    return true;
}

} // namespace

std::size_t prune(const Store &store, std::int64_t now_unix) {
    std::size_t removed = 0;
    std::size_t scanned = 0;
    std::error_code error;
    for (std::filesystem::directory_iterator it(store.directory(), error), end; !error && it != end;
         it.increment(error)) {
        if (++scanned > kMaxScanned) break;
        const auto path = it->path();
        const auto file = own_file(path.filename().string());
        if (!file) continue;
        const auto age = age_of(path, now_unix);
        if (!age) continue;
        switch (file->kind) {
        case Kind::entry:
            if (entry_is_done(store, *file, *age, now_unix) &&
                remove_under_lock(store, *file, true, now_unix))
                ++removed;
            break;
        case Kind::lock:
            if (*age > kDay && remove_under_lock(store, *file, false, now_unix)) ++removed;
            break;
        case Kind::temporary:
            if (*age > kHour && ::unlink(path.c_str()) == 0) ++removed;
            break;
        }
    }
    return removed;
}

void prune_if_due(const Store &store, std::int64_t now_unix) {
    const auto marker = store.directory() / kMarker;
    if (const auto age = age_of(marker, now_unix); age && *age < kHour && *age >= 0) return;
    const int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return;
    const std::array<struct timespec, 2> times{timespec{now_unix, 0}, timespec{now_unix, 0}};
    const bool stamped = ::futimens(fd, times.data()) == 0;
    ::close(fd);
    if (stamped) (void)prune(store, now_unix);
}

} // namespace pullcred::cache
