#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "util/duration.hpp"

using pullcred::format_go_duration;
using pullcred::parse_go_duration;
using pullcred::parse_go_duration_exact;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

TEST(GoDuration, FormatsLikeGoDurationString) {
    EXPECT_EQ(format_go_duration(seconds(0)), "0s");
    EXPECT_EQ(format_go_duration(seconds(45)), "45s");
    EXPECT_EQ(format_go_duration(seconds(90)), "1m30s");
    EXPECT_EQ(format_go_duration(seconds(3600)), "1h0m0s");
    EXPECT_EQ(format_go_duration(seconds(6 * 3600 - 1)), "5h59m59s");
    EXPECT_EQ(format_go_duration(seconds(43200)), "12h0m0s");
    EXPECT_EQ(format_go_duration(seconds(-5)), "0s");
}

// Expected texts are what Go's time.Duration(n).String() prints.
TEST(GoDuration, FormatsSubSecondDurationsExactly) {
    EXPECT_EQ(format_go_duration(milliseconds(300)), "300ms");
    EXPECT_EQ(format_go_duration(milliseconds(1500)), "1.5s");
    EXPECT_EQ(format_go_duration(nanoseconds(1)), "1ns");
    EXPECT_EQ(format_go_duration(nanoseconds(999)), "999ns");
    EXPECT_EQ(format_go_duration(nanoseconds(1'000)), "1\u00b5s");
    EXPECT_EQ(format_go_duration(nanoseconds(1'500)), "1.5\u00b5s");
    EXPECT_EQ(format_go_duration(nanoseconds(1'000'001)), "1.000001ms");
    EXPECT_EQ(format_go_duration(nanoseconds(999'999'999)), "999.999999ms");
    EXPECT_EQ(format_go_duration(nanoseconds(1'000'000'001)), "1.000000001s");
    EXPECT_EQ(format_go_duration(milliseconds(90'250)), "1m30.25s");
    EXPECT_EQ(format_go_duration(milliseconds(3'600'001)), "1h0m0.001s");
    EXPECT_EQ(format_go_duration(nanoseconds(-1)), "0s");
}

TEST(GoDuration, ParsesExactlyToTheNanosecond) {
    const std::vector<std::pair<std::string, long>> cases{{"300ms", 300'000'000},
                                                          {"1.5s", 1'500'000'000},
                                                          {"1\xC2\xB5s", 1'000},
                                                          {"7ns", 7},
                                                          {"1h0.5s", 3'600'500'000'000}};
    for (const auto &[text, expected] : cases) {
        auto parsed = parse_go_duration_exact(text);
        ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.error().message;
        EXPECT_EQ(parsed->count(), expected) << text;
        EXPECT_EQ(parse_go_duration_exact(format_go_duration(*parsed))->count(), expected) << text;
    }
    EXPECT_FALSE(parse_go_duration_exact("-300ms").ok());
}

TEST(GoDuration, ParsesWhatGoParseDurationAccepts) {
    const std::vector<std::pair<std::string, long>> cases{{"5h", 18000},
                                                          {"90m", 5400},
                                                          {"1h30m", 5400},
                                                          {"0", 0},
                                                          {"0s", 0},
                                                          {"1.5h", 5400},
                                                          {"300ms", 0},
                                                          {"2500ms", 2},
                                                          {"1h0m0s", 3600},
                                                          {"+10s", 10},
                                                          {"12h0m0s", 43200},
                                                          {"1\xC2\xB5s", 0},
                                                          {"3600000000000ns", 3600},
                                                          {".5m", 30}};
    for (const auto &[text, expected] : cases) {
        auto parsed = parse_go_duration(text);
        ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.error().message;
        EXPECT_EQ(parsed->count(), expected) << text;
    }
}

TEST(GoDuration, RoundTripsItsOwnFormat) {
    for (long value : {0L, 1L, 59L, 60L, 61L, 3599L, 3600L, 86399L, 123456L}) {
        auto parsed = parse_go_duration(format_go_duration(seconds(value)));
        ASSERT_TRUE(parsed.ok());
        EXPECT_EQ(parsed->count(), value);
    }
}

TEST(GoDuration, RefusesWhatGoRefusesWithAClearMessage) {
    for (const std::string text :
         {"", "5", "h", "5x", "-5h", "1h-5m", "5 h", "1..5h", ".h", "99999999999h"}) {
        auto parsed = parse_go_duration(text);
        ASSERT_FALSE(parsed.ok()) << text;
        EXPECT_THAT(parsed.error().message, testing::HasSubstr("invalid duration")) << text;
    }
}
