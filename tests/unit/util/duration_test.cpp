#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "util/duration.hpp"

using pullcred::format_go_duration;
using pullcred::parse_go_duration;
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
