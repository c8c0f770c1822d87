#include "cache/store.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

#include "log/logger.hpp"
#include "util/files.hpp"
#include "util/json_strict.hpp"

namespace pullcred::cache {

namespace {

constexpr int kEntryVersion = 2;
constexpr std::size_t kMaxEntryBytes = std::size_t{256} * 1024;

std::string octal(mode_t mode) {
    std::string text;
    for (int shift = 9; shift >= 0; shift -= 3)
        text.push_back(static_cast<char>('0' + ((mode >> shift) & 7)));
    return text;
}

Status check_directory(const std::filesystem::path &directory) {
    struct stat info {};
    if (::lstat(directory.c_str(), &info) != 0)
        return Error::failed("cache directory " + directory.string() + ": " + std::strerror(errno));
    const auto where = "cache directory " + directory.string() + ": ";
    if (!S_ISDIR(info.st_mode)) return Error::failed(where + "not a directory; remove it or set cache.dir");
    if (info.st_uid != ::geteuid())
        return Error::failed(where + "owned by uid " + std::to_string(info.st_uid) +
                             ", not by the running user (uid " + std::to_string(::geteuid()) +
                             "); fix: chown " + std::to_string(::geteuid()) + " " + directory.string());
    if ((info.st_mode & 077) != 0)
        return Error::failed(where + "mode " + octal(info.st_mode) + " lets others in; fix: chmod 700 " +
                             directory.string());
    return ok();
}

// Walks `directory` from `/`, creating what is missing with mode 0700
// (whatever the umask). A symbolic link anywhere is refused, however the
// path is written; so is, for root, a parent others can write to (unless it
// is a root-owned sticky directory such as /tmp). Returns the path without
// `.`, `..` or trailing slashes.
Result<std::filesystem::path> make_private_path(const std::filesystem::path &directory) {
    const auto where = "cache directory " + directory.string() + ": ";
    if (!directory.is_absolute()) return Error::failed(where + "not an absolute path; set cache.dir to one");
    std::filesystem::path walked = "/";
    for (const auto &part : directory.relative_path()) {
        if (part.empty() || part == ".") continue;
        if (part == "..") return Error::failed(where + "holds `..`; write the path without it");
        const bool root = ::geteuid() == 0;
        struct stat parent {};
        if (root && ::lstat(walked.c_str(), &parent) == 0 && (parent.st_mode & 022) != 0 &&
            !(parent.st_uid == 0 && (parent.st_mode & S_ISVTX) != 0))
            return Error::failed(
                where + walked.string() + " has mode " + octal(parent.st_mode) +
                " and others can write to it, so they could replace the cache; fix: chmod go-w " +
                walked.string() + ", or set cache.dir elsewhere");
        walked /= part;
        struct stat info {};
        if (::lstat(walked.c_str(), &info) != 0) {
            if (errno != ENOENT) return Error::failed(where + walked.string() + ": " + std::strerror(errno));
            if (::mkdir(walked.c_str(), 0700) != 0 && errno != EEXIST)
                return Error::failed(where + "cannot create " + walked.string() + ": " +
                                     std::strerror(errno));
            if (::lstat(walked.c_str(), &info) != 0 || !S_ISDIR(info.st_mode))
                return Error::failed(where + "cannot create " + walked.string());
            ::chmod(walked.c_str(), 0700);
            continue;
        }
        if (S_ISLNK(info.st_mode))
            return Error::failed(where + walked.string() +
                                 " is a symbolic link; set cache.dir to the real path of the directory");
        if (!S_ISDIR(info.st_mode))
            return Error::failed(where + walked.string() + " is not a directory; remove it or set cache.dir");
    }
    return walked;
}

} // namespace

Result<Entry> parse_entry(std::string_view text) {
    auto document = parse_json_strict(text);
    if (!document) return document.error();
    const auto &doc = *document;
    const auto number = [&](const char *key) -> std::optional<std::int64_t> {
        auto it = doc.find(key);
        if (it == doc.end() || !it->is_number_integer()) return std::nullopt;
        return it->get<std::int64_t>();
    };
    if (!doc.is_object() || number("version") != kEntryVersion) return Error::failed("unknown entry version");
    auto created = number("created");
    auto expires = number("expires");
    auto refresh = number("refresh");
    auto data = doc.find("data");
    if (!created || !expires || !refresh || data == doc.end() || !data->is_object())
        return Error::failed("entry lacks created, expires, refresh or data");
    auto inputs_field = doc.find("inputs");
    auto inputs = inputs_field == doc.end() ? std::nullopt : Inputs::from_json(*inputs_field);
    if (!inputs) return Error::failed("entry lacks inputs");
    return Entry{*created, *expires, *refresh, *data, std::move(*inputs)};
}

std::string encode_entry(const Entry &entry) {
    const nlohmann::json doc{{"version", kEntryVersion},
                             {"created", entry.created_unix},
                             {"expires", entry.expires_unix},
                             {"refresh", entry.refresh_unix},
                             {"data", entry.data},
                             {"inputs", entry.inputs.to_json()}};
    return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Freshness freshness_of(const std::optional<Entry> &entry, std::int64_t now_unix) {
    if (!entry) return Freshness::absent;
    if (now_unix >= entry->expires_unix) return Freshness::expired;
    if (now_unix >= entry->refresh_unix) return Freshness::stale;
    return Freshness::fresh;
}

std::string_view to_string(Freshness freshness) {
    switch (freshness) {
    case Freshness::absent:
        return "absent";
    case Freshness::fresh:
        return "fresh";
    case Freshness::stale:
        return "stale (refresh due)";
    case Freshness::expired:
        return "expired";
    }
    return "absent";
}

std::int64_t refresh_point(std::int64_t now_unix, std::int64_t expires_unix, double draw) {
    const auto lifetime = std::max<std::int64_t>(expires_unix - now_unix, 0);
    const auto percent = [lifetime](std::int64_t p) { return lifetime / 100 * p + lifetime % 100 * p / 100; };
    const auto earliest = percent(kRefreshEarliestPercent);
    const auto window = percent(kRefreshLatestPercent) - earliest;
    const auto offset =
        earliest +
        static_cast<std::int64_t>(std::llround(static_cast<double>(window) * std::clamp(draw, 0.0, 1.0)));
    const auto latest = lifetime - std::min<std::int64_t>(60, lifetime / 2);
    return now_unix + std::min(offset, latest);
}

Entry make_entry(nlohmann::json data, std::int64_t now_unix, std::int64_t expires_unix, Inputs inputs,
                 const RefreshDraw &draw) {
    double value = 0;
    if (draw) {
        value = draw();
    } else {
        thread_local std::mt19937_64 random{std::random_device{}()};
        value = std::uniform_real_distribution<double>(0.0, 1.0)(random);
    }
    return Entry{now_unix, expires_unix, refresh_point(now_unix, expires_unix, value), std::move(data),
                 std::move(inputs)};
}

Result<Store> Store::open(const std::filesystem::path &directory) {
    auto created = make_private_path(directory);
    if (!created) return created.error();
    if (auto safe = check_directory(*created); !safe) return safe.error();
    return Store(std::move(*created));
}

std::filesystem::path Store::path_of(std::string_view key, std::string_view suffix) const {
    return directory_ / (std::string(key) + std::string(suffix));
}

std::optional<Entry> Store::read(std::string_view key, std::string *changed) const {
    const auto path = path_of(key);
    OpenedFile file{UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)), {}};
    if (file.fd.get() < 0) return std::nullopt;
    auto &info = file.info;
    // One link only: a hard link to another file (another entry) is not this key's entry.
    const bool trusted = ::fstat(file.fd.get(), &info) == 0 && S_ISREG(info.st_mode) &&
                         info.st_uid == ::geteuid() && (info.st_mode & 077) == 0 && info.st_nlink == 1;
    if (!trusted) return std::nullopt;
    auto text = read_opened_file(file, path, "cache entry", kMaxEntryBytes);
    if (!text) return std::nullopt;
    auto entry = parse_entry(*text);
    if (!entry) return std::nullopt;
    if (auto change = entry->inputs.first_change()) {
        log::debug("cache entry " + std::string(key) + " not served: " + *change + " since it was made");
        if (changed != nullptr) *changed = std::move(*change);
        return std::nullopt;
    }
    return std::move(*entry);
}

Status Store::write(std::string_view key, const Entry &entry) const {
    const auto text = encode_entry(entry);
    auto temp = path_of(key, ".tmp." + std::to_string(::getpid()));
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return Error::failed("cache: cannot write " + temp.string() + ": " + std::strerror(errno));
    std::size_t written = 0;
    while (written < text.size()) {
        const auto n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        written += static_cast<std::size_t>(n);
    }
    // No fsync: this is a cache, and kubelet's call should not wait for the
    // disk. The rename is atomic, so after a crash an entry is whole, the
    // previous one, or (if the file system lost the data) a file that does not
    // parse, which is a miss.
    const bool complete = written == text.size();
    ::close(fd);
    if (!complete || ::rename(temp.c_str(), path_of(key).c_str()) != 0) {
        ::unlink(temp.c_str());
        return Error::failed("cache: cannot write " + path_of(key).string());
    }
    return ok();
}

void Store::remove(std::string_view key) const {
    ::unlink(path_of(key).c_str());
}

} // namespace pullcred::cache
