#include "cache/store.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/files.hpp"
#include "util/json_strict.hpp"

namespace pullcred::cache {

namespace {

constexpr int kEntryVersion = 1;
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
        return make_error("cache directory " + directory.string() + ": " + std::strerror(errno));
    const auto where = "cache directory " + directory.string() + ": ";
    if (!S_ISDIR(info.st_mode)) return make_error(where + "not a directory; remove it or set cache.dir");
    if (info.st_uid != ::geteuid())
        return make_error(where + "owned by uid " + std::to_string(info.st_uid) +
                          ", not by the running user (uid " + std::to_string(::geteuid()) + "); fix: chown " +
                          std::to_string(::geteuid()) + " " + directory.string());
    if ((info.st_mode & 077) != 0)
        return make_error(where + "mode " + octal(info.st_mode) + " lets others in; fix: chmod 700 " +
                          directory.string());
    return ok();
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
    if (!doc.is_object() || number("version") != kEntryVersion) return make_error("unknown entry version");
    auto created = number("created");
    auto expires = number("expires");
    auto refresh = number("refresh");
    auto data = doc.find("data");
    if (!created || !expires || !refresh || data == doc.end() || !data->is_object())
        return make_error("entry lacks created, expires, refresh or data");
    return Entry{*created, *expires, *refresh, *data};
}

std::string encode_entry(const Entry &entry) {
    const nlohmann::json doc{{"version", kEntryVersion},
                             {"created", entry.created_unix},
                             {"expires", entry.expires_unix},
                             {"refresh", entry.refresh_unix},
                             {"data", entry.data}};
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

Entry make_entry(nlohmann::json data, std::int64_t now_unix, std::int64_t expires_unix) {
    const auto lifetime = std::max<std::int64_t>(expires_unix - now_unix, 0);
    const auto margin = std::max<std::int64_t>(lifetime / 4, std::min<std::int64_t>(60, lifetime / 2));
    return Entry{now_unix, expires_unix, expires_unix - margin, std::move(data)};
}

Result<Store> Store::open(const std::filesystem::path &directory) {
    if (::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST) {
        if (errno == ENOENT) {
            std::error_code error;
            std::filesystem::create_directories(directory.parent_path(), error);
            if (::mkdir(directory.c_str(), 0700) == 0) return Store(directory);
        }
        return make_error("cache directory " + directory.string() +
                          ": cannot create: " + std::strerror(errno));
    }
    if (auto safe = check_directory(directory); !safe) return safe.error();
    return Store(directory);
}

std::filesystem::path Store::path_of(std::string_view key, std::string_view suffix) const {
    return directory_ / (std::string(key) + std::string(suffix));
}

std::optional<Entry> Store::read(std::string_view key) const {
    const auto path = path_of(key);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) return std::nullopt;
    struct stat info {};
    // One link only: a hard link to another file (another entry) is not this key's entry.
    const bool trusted = ::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_uid == ::geteuid() &&
                         (info.st_mode & 077) == 0 && info.st_nlink == 1;
    ::close(fd);
    if (!trusted) return std::nullopt;
    auto text = read_file_capped(path, "cache entry", kMaxEntryBytes);
    if (!text) return std::nullopt;
    auto entry = parse_entry(*text);
    if (!entry) return std::nullopt;
    return *entry;
}

Status Store::write(std::string_view key, const Entry &entry) const {
    const auto text = encode_entry(entry);
    auto temp = path_of(key, ".tmp." + std::to_string(::getpid()));
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return make_error("cache: cannot write " + temp.string() + ": " + std::strerror(errno));
    std::size_t written = 0;
    while (written < text.size()) {
        const auto n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        written += static_cast<std::size_t>(n);
    }
    const bool complete = written == text.size() && ::fsync(fd) == 0;
    ::close(fd);
    if (!complete || ::rename(temp.c_str(), path_of(key).c_str()) != 0) {
        ::unlink(temp.c_str());
        return make_error("cache: cannot write " + path_of(key).string());
    }
    return ok();
}

} // namespace pullcred::cache
