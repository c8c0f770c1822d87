#include <chrono>
#include <gmock/gmock.h>
#include <sys/wait.h>

#include "cache/lock.hpp"
#include "cache_dir.hpp"

using pullcred::cache::KeyLock;
using State = KeyLock::State;

namespace {
std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}
} // namespace

using LockTest = CacheDirTest;

TEST_F(LockTest, AFreeLockIsHeldAtOnceAndABusyOneIsNotWaitedFor) {
    const auto file = root_ / "k.lock";
    auto held = KeyLock::try_lock(file);
    EXPECT_EQ(held.state(), State::held);
    // flock locks belong to the open file: a second open contends like another process.
    const auto start = now_ms();
    auto other = KeyLock::try_lock(file);
    EXPECT_EQ(other.state(), State::busy);
    EXPECT_LT(now_ms() - start, 100);
    EXPECT_FALSE(KeyLock::try_acquire(file).has_value());
}

TEST_F(LockTest, AWaiterGivesUpWhenItsTimeIsUp) {
    const auto file = root_ / "k.lock";
    auto held = KeyLock::try_lock(file);
    ASSERT_EQ(held.state(), State::held);
    auto waiter = KeyLock::try_lock(file);
    ASSERT_EQ(waiter.state(), State::busy);
    const auto start = now_ms();
    EXPECT_FALSE(waiter.wait_until(now_ms() + 300));
    const auto elapsed = now_ms() - start;
    EXPECT_GE(elapsed, 290);
    EXPECT_LT(elapsed, 2000);
    EXPECT_EQ(waiter.state(), State::busy);
}

TEST_F(LockTest, AWaiterGetsTheLockOnceItIsReleasedAndCanNameTheHolder) {
    const auto file = root_ / "k.lock";
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    const pid_t child = ::fork();
    if (child == 0) {
        auto held = KeyLock::try_lock(file);
        if (::write(ready[1], "x", 1) != 1) ::_exit(2);
        ::usleep(300 * 1000);
        ::_exit(held.state() == State::held ? 0 : 1);
    }
    char byte = 0;
    ASSERT_EQ(::read(ready[0], &byte, 1), 1);
    auto waiter = KeyLock::try_lock(file);
    ASSERT_EQ(waiter.state(), State::busy);
    EXPECT_EQ(waiter.holder_pid(), child);
    const auto start = now_ms();
    EXPECT_TRUE(waiter.wait_until(now_ms() + 5000));
    EXPECT_EQ(waiter.state(), State::held);
    EXPECT_GE(now_ms() - start, 100);
    int status = 0;
    ::waitpid(child, &status, 0);
    EXPECT_EQ(WEXITSTATUS(status), 0);
    ::close(ready[0]);
    ::close(ready[1]);
}

TEST_F(LockTest, ADirectoryOrASymlinkWhereTheLockGoesIsUnusableWithTheReason) {
    const auto directory = root_ / "d.lock";
    std::filesystem::create_directory(directory);
    auto on_directory = KeyLock::try_lock(directory);
    EXPECT_EQ(on_directory.state(), State::unusable);
    EXPECT_THAT(on_directory.problem(), testing::HasSubstr("cache: cannot use lock " + directory.string()));

    const auto link = root_ / "l.lock";
    std::filesystem::create_symlink(root_ / "target", link);
    auto on_link = KeyLock::try_lock(link);
    EXPECT_EQ(on_link.state(), State::unusable);
    EXPECT_FALSE(std::filesystem::exists(root_ / "target"));
    EXPECT_FALSE(on_link.wait_until(now_ms() + 1000));
}

TEST_F(LockTest, AMissingDirectoryMakesTheLockUnusable) {
    auto lock = KeyLock::try_lock(root_ / "missing" / "k.lock");
    EXPECT_EQ(lock.state(), State::unusable);
    EXPECT_THAT(lock.problem(), testing::HasSubstr("No such file or directory"));
}
