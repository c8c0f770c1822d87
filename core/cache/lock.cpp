#include "cache/lock.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <thread>
#include <unistd.h>

namespace pullcred::cache {

namespace {
std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}
} // namespace

std::optional<KeyLock> KeyLock::try_acquire(const std::filesystem::path &lock_file) {
    auto lock = acquire(lock_file, 0); // a deadline long past: one attempt
    if (!lock) return std::nullopt;
    return std::move(*lock);
}

Result<KeyLock> KeyLock::acquire(const std::filesystem::path &lock_file, std::int64_t deadline_unix_ms) {
    const int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return make_error("cache: cannot open lock " + lock_file.string() + ": " + std::strerror(errno));
    auto pause = std::chrono::milliseconds(2);
    for (;;) {
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return KeyLock(fd);
        if (errno != EWOULDBLOCK && errno != EINTR) {
            const int error = errno;
            ::close(fd);
            return make_error("cache: cannot lock " + lock_file.string() + ": " + std::strerror(error));
        }
        const auto remaining = deadline_unix_ms - now_ms();
        if (remaining <= 0) {
            ::close(fd);
            return make_error("cache: gave up waiting for another pullcred process holding " +
                              lock_file.string() + " (deadline reached)");
        }
        std::this_thread::sleep_for(std::min(pause, std::chrono::milliseconds(remaining)));
        pause = std::min(pause * 2, std::chrono::milliseconds(50));
    }
}

KeyLock::~KeyLock() {
    if (fd_ >= 0) ::close(fd_);
}

} // namespace pullcred::cache
