// A per-key lock across processes (flock on "<key>.lock"), so that a burst
// of pullcred processes makes one upstream call per key and the others take
// its outcome. Taking it is tried once without waiting; only a caller with
// nothing to serve waits, and never past the time it is given.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>

namespace pullcred::cache {

class KeyLock {
public:
    enum class State {
        held,     // this process holds it
        busy,     // another process holds it
        unusable, // the lock file cannot be opened or locked: problem() says why
    };

    // Opens (creates) the lock file and tries to lock it once, without waiting.
    static KeyLock try_lock(const std::filesystem::path &lock_file);
    // The lock when it is free now (for housekeeping).
    static std::optional<KeyLock> try_acquire(const std::filesystem::path &lock_file);

    // When busy: waits until it is held or `until_unix_ms` passes; true when held.
    bool wait_until(std::int64_t until_unix_ms);

    [[nodiscard]] State state() const { return state_; }
    [[nodiscard]] const std::string &problem() const { return problem_; }
    // The process holding the lock, from /proc/locks, when it can be told.
    [[nodiscard]] std::optional<long> holder_pid() const;

    KeyLock(KeyLock &&other) noexcept;
    KeyLock &operator=(KeyLock &&) = delete;
    KeyLock(const KeyLock &) = delete;
    KeyLock &operator=(const KeyLock &) = delete;
    ~KeyLock();

private:
    KeyLock(int fd, State state, std::string problem)
        : fd_(fd), state_(state), problem_(std::move(problem)) {}
    int fd_;
    State state_;
    std::string problem_;
};

} // namespace pullcred::cache
