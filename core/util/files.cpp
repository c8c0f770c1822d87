#include "util/files.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
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
} // namespace

Result<std::string> read_file_capped(const std::filesystem::path &path, std::string_view what,
                                     std::size_t cap) {
    const auto prefix = std::string(what) + " " + path.string() + ": ";
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) return make_error(prefix + describe_errno(errno));
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        const bool is_dir = S_ISDIR(info.st_mode);
        ::close(fd);
        return make_error(prefix + (is_dir ? "is a directory" : "not a regular file"));
    }
    std::string content;
    char buffer[16384];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int error = errno;
            ::close(fd);
            return make_error(prefix + describe_errno(error));
        }
        if (n == 0) break;
        if (content.size() + static_cast<std::size_t>(n) > cap) {
            ::close(fd);
            return make_error(prefix + "larger than " + std::to_string(cap) + " bytes");
        }
        content.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return content;
}

Result<std::string> read_stream_capped(std::istream &in, std::string_view what, std::size_t cap) {
    std::string content;
    char buffer[16384];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        content.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (content.size() > cap)
            return make_error(std::string(what) + ": larger than " + std::to_string(cap) + " bytes");
    }
    return content;
}

} // namespace pullcred
