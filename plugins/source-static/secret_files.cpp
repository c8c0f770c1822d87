#include "secret_files.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pullcred_static {

namespace {
std::string errno_text(int error) {
    return std::strerror(error);
} // NOLINT(concurrency-mt-unsafe)

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    [[nodiscard]] int get() const { return fd_; }

private:
    int fd_;
};

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}
} // namespace

FileRead read_small_file(const std::string &path, std::size_t max_bytes) {
    // O_NONBLOCK: opening a FIFO must not hang; anything but a regular file is refused below.
    const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)); // NOLINT
    if (fd.get() < 0) {
        const int error = errno;
        if (error == ENOENT) return FileMissing{};
        return FileError{"cannot open " + path + ": " + errno_text(error)};
    }
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0) return FileError{"cannot stat " + path + ": " + errno_text(errno)};
    if (S_ISDIR(info.st_mode)) return FileError{path + " is a directory, expected a file"};
    if (!S_ISREG(info.st_mode)) return FileError{path + " is not a regular file"};
    if (info.st_size > 0 && static_cast<std::size_t>(info.st_size) > max_bytes)
        return FileError{path + " is " + std::to_string(info.st_size) + " bytes, larger than the limit of " +
                         std::to_string(max_bytes) + " bytes"};
    std::string data;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR) continue;
            return FileError{"cannot read " + path + ": " + errno_text(errno)};
        }
        if (n == 0) break;
        data.append(buffer, static_cast<std::size_t>(n));
        if (data.size() > max_bytes)
            return FileError{path + " is larger than the limit of " + std::to_string(max_bytes) + " bytes"};
    }
    return data;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
    return text;
}

bool has_forbidden_bytes(std::string_view text) {
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte == 0x7f) return true;
    }
    return false;
}

std::optional<std::string> check_directory(const std::string &path, std::string_view what) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        const int error = errno;
        if (error == ENOENT) return std::string(what) + " " + path + " does not exist";
        return std::string(what) + " " + path + ": " + errno_text(error);
    }
    if (!S_ISDIR(info.st_mode)) return std::string(what) + " " + path + " is not a directory";
    return std::nullopt;
}

} // namespace pullcred_static
