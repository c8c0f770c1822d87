// A per-key lock across processes (flock on "<key>.lock"), so that a burst
// of pullcred processes makes one upstream call per key and the others wait
// for its result. Waiting never goes past the invocation's deadline.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "util/result.hpp"

namespace pullcred::cache {

class KeyLock {
public:
    // Blocks until the lock is held or `deadline_unix_ms` passes.
    static Result<KeyLock> acquire(const std::filesystem::path &lock_file, std::int64_t deadline_unix_ms);
    // The lock when it is free now, without waiting (creates the file).
    static std::optional<KeyLock> try_acquire(const std::filesystem::path &lock_file);

    KeyLock(KeyLock &&other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    KeyLock &operator=(KeyLock &&) = delete;
    KeyLock(const KeyLock &) = delete;
    KeyLock &operator=(const KeyLock &) = delete;
    ~KeyLock();

private:
    explicit KeyLock(int fd) : fd_(fd) {}
    int fd_;
};

} // namespace pullcred::cache
