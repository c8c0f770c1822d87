#include "node/host_files.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/sha256.hpp"
#include "util/unique_fd.hpp"

namespace pullcred::node {

namespace fs = std::filesystem;

namespace {

std::string errno_text(int code) {
    return std::strerror(code);
}

Status write_all(int fd, std::string_view data, const fs::path &path) {
    while (!data.empty()) {
        const auto written = ::write(fd, data.data(), data.size());
        if (written < 0) {
            if (errno == EINTR) continue;
            return Error::failed("write " + path.string() + ": " + errno_text(errno));
        }
        data.remove_prefix(static_cast<std::size_t>(written));
    }
    return ok();
}

// Writes the output of `fill(fd)` to a temp file next to `path`, then renames.
template <class Fill> Status atomic_write(const fs::path &path, mode_t mode, Fill fill) {
    auto temp = path;
    temp += ".pullcred-tmp-" + std::to_string(::getpid());
    UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode));
    if (fd.get() < 0) return Error::failed("create " + temp.string() + ": " + errno_text(errno));
    auto filled = fill(fd.get(), temp);
    if (filled && ::fchmod(fd.get(), mode) != 0)
        filled = Error::failed("chmod " + temp.string() + ": " + errno_text(errno));
    if (filled && ::fsync(fd.get()) != 0)
        filled = Error::failed("fsync " + temp.string() + ": " + errno_text(errno));
    if (::close(fd.release()) != 0 && filled)
        filled = Error::failed("close " + temp.string() + ": " + errno_text(errno));
    if (filled && ::rename(temp.c_str(), path.c_str()) != 0)
        filled = Error::failed("rename " + temp.string() + " to " + path.string() + ": " + errno_text(errno));
    if (!filled) ::unlink(temp.c_str());
    return filled;
}

bool mode_is(const fs::path &path, mode_t mode) {
    struct stat info {};
    return ::lstat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && (info.st_mode & 07777) == mode;
}

} // namespace

Result<std::string> file_sha256(const fs::path &path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return Error::failed("read " + path.string() + ": " + errno_text(errno));
    Sha256 hash;
    std::array<char, 65536> buffer{};
    for (;;) {
        const auto got = ::read(fd.get(), buffer.data(), buffer.size());
        if (got < 0) {
            if (errno == EINTR) continue;
            return Error::failed("read " + path.string() + ": " + errno_text(errno));
        }
        if (got == 0) break;
        hash.update(std::string_view(buffer.data(), static_cast<std::size_t>(got)));
    }
    return to_hex(hash.finish());
}

Result<bool> make_dirs(const fs::path &dir, mode_t mode, std::vector<fs::path> *created) {
    std::error_code error;
    if (fs::is_directory(dir, error)) return false;
    if (dir.has_parent_path() && dir.parent_path() != dir)
        if (auto parent = make_dirs(dir.parent_path(), mode, created); !parent) return parent.error();
    if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST)
        return Error::failed("mkdir " + dir.string() + ": " + errno_text(errno));
    if (::chmod(dir.c_str(), mode) != 0)
        return Error::failed("chmod " + dir.string() + ": " + errno_text(errno));
    if (created != nullptr) created->push_back(dir);
    return true;
}

Result<bool> write_if_changed(const fs::path &path, std::string_view content, mode_t mode) {
    if (mode_is(path, mode)) {
        auto current = file_sha256(path);
        if (current && *current == sha256_hex(content)) return false;
    }
    auto written =
        atomic_write(path, mode, [&](int fd, const fs::path &temp) { return write_all(fd, content, temp); });
    if (!written) return written.error();
    return true;
}

Result<bool> copy_if_changed(const fs::path &from, const fs::path &to, mode_t mode) {
    auto source_hash = file_sha256(from);
    if (!source_hash) return source_hash.error();
    if (mode_is(to, mode)) {
        auto current = file_sha256(to);
        if (current && *current == *source_hash) return false;
    }
    auto copied = atomic_write(to, mode, [&](int out, const fs::path &temp) -> Status {
        UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
        if (in.get() < 0) return Error::failed("read " + from.string() + ": " + errno_text(errno));
        std::array<char, 65536> buffer{};
        for (;;) {
            const auto got = ::read(in.get(), buffer.data(), buffer.size());
            if (got < 0) {
                if (errno == EINTR) continue;
                return Error::failed("read " + from.string() + ": " + errno_text(errno));
            }
            if (got == 0) return ok();
            if (auto w = write_all(out, std::string_view(buffer.data(), static_cast<std::size_t>(got)), temp);
                !w)
                return w;
        }
    });
    if (!copied) return copied.error();
    return true;
}

Result<bool> link_if_changed(const fs::path &target, const fs::path &link) {
    std::error_code error;
    if (fs::is_symlink(link, error) && fs::read_symlink(link, error) == target && !error) return false;
    const auto temp = link.parent_path() / ("." + link.filename().string() + ".pullcred-new");
    ::unlink(temp.c_str());
    if (::symlink(target.c_str(), temp.c_str()) != 0)
        return Error::failed("link " + link.string() + ": " + errno_text(errno));
    if (::rename(temp.c_str(), link.c_str()) != 0) {
        const auto code = errno;
        ::unlink(temp.c_str());
        return Error::failed("link " + link.string() + ": " + errno_text(code));
    }
    return true;
}

Result<bool> remove_file(const fs::path &path) {
    if (::unlink(path.c_str()) == 0) return true;
    if (errno == ENOENT) return false;
    return Error::failed("remove " + path.string() + ": " + errno_text(errno));
}

} // namespace pullcred::node
