#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <gtest/gtest.h>
#include <thread>

#include "modules/call_guard.hpp"

using pullcred::modules::call_budget_ms;
using pullcred::modules::CallGuard;
using pullcred::modules::kCallGraceMs;

#ifndef PULLCRED_GUARD_SANITIZED
namespace {
int *volatile g_nowhere = nullptr;

void crash() {
    *g_nowhere = 1;
}
} // namespace
#endif

TEST(CallBudget, RunsToTheDeadlinePlusTheGrace) {
    EXPECT_EQ(call_budget_ms(10'000, 4'000), 6'000 + kCallGraceMs);
    EXPECT_EQ(call_budget_ms(10'000, 12'000), kCallGraceMs) << "a passed deadline leaves the grace";
    EXPECT_EQ(call_budget_ms(0, 12'000), -1) << "no deadline, no watchdog";
}

TEST(CallGuardDeathTest, ACallThatReturnsInTimeIsUnaffected) {
    EXPECT_EXIT(
        {
            for (int i = 0; i < 3; ++i) {
                const CallGuard guard("module m.so: profile p (t.f)", "get_credentials", 200);
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(400)); // past every budget: nothing fires
            std::fputs("still running\n", stderr);
            std::exit(0);
        },
        testing::ExitedWithCode(0), "^still running\n$");
}

TEST(CallGuardDeathTest, ACallPastItsBudgetEndsTheProcessNamingTheInnermostCall) {
    EXPECT_EXIT(
        {
            const CallGuard outer("module b.so: registries[0] (t.backend)", "get_auth", 60'000);
            const CallGuard inner("module s.so: profile p (t.source)", "get_credentials", 100);
            std::this_thread::sleep_for(std::chrono::seconds(30));
        },
        testing::ExitedWithCode(1),
        "^pullcred: error: module s.so: profile p \\(t.source\\) did not answer get_credentials within "
        "[0-9.]+ s \\(settings.deadline \\+ 2 s\\); pullcred gave up\n$");
}

TEST(CallGuardDeathTest, NoBudgetMeansNoWatchdog) {
    EXPECT_EXIT(
        {
            { const CallGuard guard("module m.so: profile p (t.f)", "create", -1); }
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            std::exit(7);
        },
        testing::ExitedWithCode(7), "^$");
}

#ifndef PULLCRED_GUARD_SANITIZED
TEST(CallGuardDeathTest, ACrashInACallIsNamed) {
    EXPECT_EXIT(
        {
            const CallGuard guard("module m.so: profile p (t.f)", "get_credentials", 60'000);
            crash();
        },
        testing::ExitedWithCode(1),
        "^pullcred: error: module m.so: profile p \\(t.f\\) crashed in get_credentials \\(SIGSEGV\\); "
        "pullcred gave up\n$");
}

TEST(CallGuardDeathTest, AnAbortInACallIsNamed) {
    EXPECT_EXIT(
        {
            const CallGuard guard("module m.so: profile p (t.f)", "get_auth", 60'000);
            std::abort();
        },
        testing::ExitedWithCode(1), "crashed in get_auth \\(SIGABRT\\)");
}

TEST(CallGuardDeathTest, ACrashOutsideACallKeepsItsDefaultAction) {
    EXPECT_EXIT(
        {
            { const CallGuard guard("module m.so: profile p (t.f)", "get_credentials", 60'000); }
            crash();
        },
        testing::KilledBySignal(SIGSEGV), "^$");
}
#endif
