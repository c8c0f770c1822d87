#include <chrono>
#include <gmock/gmock.h>
#include <sys/wait.h>

#include "cache/lock.hpp"
#include "cache_dir.hpp"

using pullcred::cache::KeyLock;

namespace {
std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}
} // namespace

using LockTest = CacheDirTest;

TEST_F(LockTest, AWaiterGivesUpAtTheDeadlineWithAClearError) {
    const auto file = root_ / "k.lock";
    auto held = KeyLock::acquire(file, now_ms() + 1000);
    ASSERT_TRUE(held.ok());
    // Another process contends for the same lock (flock locks are per open file).
    const pid_t child = ::fork();
    if (child == 0) {
        const auto start = now_ms();
        auto waited = KeyLock::acquire(file, now_ms() + 300);
        const auto elapsed = now_ms() - start;
        const bool ok = !waited.ok() && waited.error().message.find("deadline") != std::string::npos &&
                        elapsed >= 250 && elapsed < 2000;
        ::_exit(ok ? 0 : 1);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_F(LockTest, AWaiterGetsTheLockOnceItIsReleased) {
    const auto file = root_ / "k.lock";
    const pid_t child = ::fork();
    if (child == 0) {
        auto held = KeyLock::acquire(file, now_ms() + 1000);
        ::usleep(300 * 1000);
        ::_exit(held.ok() ? 0 : 1);
    }
    ::usleep(100 * 1000);
    const auto start = now_ms();
    auto waited = KeyLock::acquire(file, now_ms() + 5000);
    EXPECT_TRUE(waited.ok());
    EXPECT_GE(now_ms() - start, 100);
    int status = 0;
    ::waitpid(child, &status, 0);
    EXPECT_EQ(WEXITSTATUS(status), 0);
}
