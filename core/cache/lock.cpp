#include "cache/lock.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <thread>
#include <unistd.h>

#include "util/clock.hpp"

namespace pullcred::cache {

namespace {
std::string unusable_lock(const std::filesystem::path &lock_file, const std::string &what) {
    return "cache: cannot use lock " + lock_file.string() + ": " + what;
}
} // namespace

KeyLock KeyLock::try_lock(const std::filesystem::path &lock_file) {
    const int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
    if (fd < 0) return KeyLock(-1, State::unusable, unusable_lock(lock_file, std::strerror(errno)));
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        ::close(fd);
        return KeyLock(-1, State::unusable, unusable_lock(lock_file, "not a regular file"));
    }
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR) continue;
        if (errno == EWOULDBLOCK) return KeyLock(fd, State::busy, {});
        const int error = errno;
        ::close(fd);
        return KeyLock(-1, State::unusable, unusable_lock(lock_file, std::strerror(error)));
    }
    return KeyLock(fd, State::held, {});
}

std::optional<KeyLock> KeyLock::try_acquire(const std::filesystem::path &lock_file) {
    auto lock = try_lock(lock_file);
    if (lock.state() != State::held) return std::nullopt;
    return std::optional<KeyLock>(std::move(lock));
}

bool KeyLock::wait_until(std::int64_t until_unix_ms) {
    if (state_ != State::busy) return state_ == State::held;
    auto pause = std::chrono::milliseconds(2);
    for (;;) {
        if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) {
            state_ = State::held;
            return true;
        }
        if (errno != EWOULDBLOCK && errno != EINTR) return false;
        const auto remaining = until_unix_ms - util::now_unix_ms();
        if (remaining <= 0) return false;
        std::this_thread::sleep_for(std::min(pause, std::chrono::milliseconds(remaining)));
        pause = std::min(pause * 2, std::chrono::milliseconds(50));
    }
}

std::optional<long> KeyLock::holder_pid() const {
    struct stat info {};
    if (fd_ < 0 || ::fstat(fd_, &info) != 0) return std::nullopt;
    char file_id[64];
    (void)std::snprintf(file_id, sizeof file_id, "%02x:%02x:%llu", ::major(info.st_dev), ::minor(info.st_dev),
                        static_cast<unsigned long long>(info.st_ino));
    // Lines such as "1: FLOCK  ADVISORY  WRITE 1234 00:2a:5678 0 EOF"; waiters have "->".
    std::ifstream locks("/proc/locks");
    std::string line;
    while (std::getline(locks, line)) {
        std::istringstream fields(line);
        std::string ordinal, kind, advisory, direction, pid, id;
        if (!(fields >> ordinal >> kind >> advisory >> direction >> pid >> id) || kind != "FLOCK") continue;
        if (id != file_id) continue;
        try {
            return std::stol(pid);
        } catch (const std::exception &) {
            return std::nullopt;
        }
    }
    return std::nullopt;
}

KeyLock::KeyLock(KeyLock &&other) noexcept
    : fd_(other.fd_), state_(other.state_), problem_(std::move(other.problem_)) {
    other.fd_ = -1;
    other.state_ = State::unusable;
}

KeyLock::~KeyLock() {
    if (fd_ >= 0) ::close(fd_);
}

} // namespace pullcred::cache
