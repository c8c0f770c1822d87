#include "util/files.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace pullcred {

namespace {
std::string describe_errno(int error) {
    switch (error) {
    case ENOENT:
        return "no such file";
    case EACCES:
        return "permission denied";
    case EISDIR:
        return "is a directory";
    default:
        return std::strerror(error);
    }
}

std::string describe_type(mode_t mode) {
    if (S_ISDIR(mode)) return "is a directory";
    if (S_ISFIFO(mode)) return "is a FIFO, not a regular file";
    if (S_ISSOCK(mode)) return "is a socket, not a regular file";
    if (S_ISCHR(mode) || S_ISBLK(mode)) return "is a device, not a regular file";
    return "is not a regular file";
}

// "<what> <path> ": no colon after the path, which may end in a secret's
// name (AWS_SECRET_ACCESS_KEY: would read as a secret field to the redactor).
std::string prefix_of(const std::filesystem::path &path, std::string_view what) {
    return std::string(what) + " " + path.string() + " ";
}
} // namespace

Result<std::optional<OpenedFile>> open_regular_file(const std::filesystem::path &path,
                                                    std::string_view what) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (fd.get() < 0) {
        if (errno == ENOENT || errno == ENOTDIR) return std::optional<OpenedFile>();
        return Error::failed(prefix_of(path, what) + "cannot be opened: " + describe_errno(errno));
    }
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0)
        return Error::failed(prefix_of(path, what) + "cannot be examined: " + describe_errno(errno));
    if (!S_ISREG(info.st_mode)) return Error::failed(prefix_of(path, what) + describe_type(info.st_mode));
    return std::optional<OpenedFile>(OpenedFile{std::move(fd), info});
}

Result<std::string> read_opened_file(const OpenedFile &file, const std::filesystem::path &path,
                                     std::string_view what, std::size_t cap) {
    std::string content;
    char buffer[16384];
    for (;;) {
        const ssize_t n = ::read(file.fd.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::failed(prefix_of(path, what) + "cannot be read: " + describe_errno(errno));
        if (n == 0) break;
        if (content.size() + static_cast<std::size_t>(n) > cap)
            return Error::failed(prefix_of(path, what) + "is larger than " + std::to_string(cap) + " bytes");
        content.append(buffer, static_cast<std::size_t>(n));
    }
    return content;
}

Result<std::string> read_file_capped(const std::filesystem::path &path, std::string_view what,
                                     std::size_t cap) {
    auto file = open_regular_file(path, what);
    if (!file) return file.error();
    if (!*file) return Error::failed(std::string(what) + " " + path.string() + ": no such file");
    return read_opened_file(**file, path, what, cap);
}

Result<std::string> read_stream_capped(std::istream &in, std::string_view what, std::size_t cap) {
    std::string content;
    char buffer[16384];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        content.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (content.size() > cap)
            return Error::failed(std::string(what) + ": larger than " + std::to_string(cap) + " bytes");
    }
    return content;
}

} // namespace pullcred
