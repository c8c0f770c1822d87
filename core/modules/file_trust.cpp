#include "modules/file_trust.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include "util/sha256.hpp"
#include "util/trust.hpp"

namespace pullcred::modules {

namespace {

constexpr std::uint64_t kMaxModuleBytes = std::uint64_t{256} * 1024 * 1024;

Status check_owner_and_mode(const struct stat &info, std::string_view what, const std::filesystem::path &path,
                            const std::filesystem::path &module) {
    const auto uid = ::geteuid();
    if (info.st_uid != 0 && info.st_uid != uid)
        return Error::failed(module_prefix(module) + "refused, " + std::string(what) + " " + path.string() +
                             " is owned by uid " + std::to_string(info.st_uid) + "; fix: chown root " +
                             path.string());
    if (trust::writable_by_group_or_others(info))
        return Error::failed(module_prefix(module) + "refused, " + std::string(what) + " " + path.string() +
                             " is writable by group or others; fix: chmod go-w " + path.string());
    return ok();
}

std::string fd_path(int fd) {
    return "/proc/self/fd/" + std::to_string(fd);
}

} // namespace

Result<TrustedFile> TrustedFile::open(const std::filesystem::path &path) {
    // O_NONBLOCK: a FIFO in the module's place must not hang the open.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return Error::failed(module_prefix(path) + "cannot open: " + std::strerror(errno));
    TrustedFile file(fd, path);
    struct stat info {};
    if (::fstat(fd, &info) != 0)
        return Error::failed(module_prefix(path) + "cannot stat: " + std::strerror(errno));
    if (!S_ISREG(info.st_mode)) return Error::failed(module_prefix(path) + "not a regular file");
    std::error_code error;
    const auto resolved = std::filesystem::read_symlink(fd_path(fd), error);
    if (error)
        return Error::failed(module_prefix(path) +
                             "cannot resolve the opened file (is /proc mounted?): " + error.message());
    if (auto status = check_owner_and_mode(info, "file", resolved, path); !status) return status.error();
    struct stat directory {};
    if (::stat(resolved.parent_path().c_str(), &directory) != 0)
        return Error::failed(module_prefix(path) + "cannot stat directory " +
                             resolved.parent_path().string() + ": " + std::strerror(errno));
    if (auto status = check_owner_and_mode(directory, "directory", resolved.parent_path(), path); !status)
        return status.error();
    // As root, the whole way to the file too (util/trust.hpp).
    if (auto status = trust::check_opened_file(fd, path, "module"); !status) return status.error();
    return file;
}

TrustedFile::~TrustedFile() {
    if (fd_ >= 0 && !keep_open_) ::close(fd_);
}

TrustedFile::TrustedFile(TrustedFile &&other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)), keep_open_(other.keep_open_) {}

std::string TrustedFile::descriptor_path() const {
    return fd_path(fd_);
}

Result<std::string> TrustedFile::sha256_hex() const {
    Sha256 hash;
    char buffer[65536];
    std::uint64_t total = 0;
    for (off_t offset = 0;;) {
        const auto n = ::pread(fd_, buffer, sizeof buffer, offset);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::failed(module_prefix(path_) + "cannot read: " + std::strerror(errno));
        if (n == 0) break;
        total += static_cast<std::uint64_t>(n);
        if (total > kMaxModuleBytes) return Error::failed(module_prefix(path_) + "larger than 256 MiB");
        hash.update(std::string_view(buffer, static_cast<std::size_t>(n)));
        offset += n;
    }
    return to_hex(hash.finish());
}

std::string module_prefix(const std::filesystem::path &module) {
    return "module " + module.string() + ": ";
}

Status check_trusted_file(const std::filesystem::path &path) {
    auto file = TrustedFile::open(path);
    if (!file) return file.error();
    return ok();
}

} // namespace pullcred::modules
