// Expected values computed with Python's datetime (UTC).
#include <cstdint>
#include <gtest/gtest.h>
#include <pullcred/time.hpp>
#include <string>

using pullcred::sdk::format_rfc3339;
using pullcred::sdk::parse_rfc3339;

TEST(SdkRfc3339, ParsesUtcFractionsAndOffsets) {
    EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
    EXPECT_EQ(parse_rfc3339("2026-11-28T12:00:00Z"), 1795867200);
    EXPECT_EQ(parse_rfc3339("2026-11-28t12:00:00z"), 1795867200);
    EXPECT_EQ(parse_rfc3339("2026-11-28 12:00:00Z"), 1795867200) << "RFC 3339 allows a space";
    EXPECT_EQ(parse_rfc3339("2026-11-28T13:00:00+01:00"), 1795867200);
    EXPECT_EQ(parse_rfc3339("2026-11-28T11:30:00-00:30"), 1795867200);
    EXPECT_EQ(parse_rfc3339("2024-02-29T00:00:00.5z"), 1709164800);
    EXPECT_EQ(parse_rfc3339("2000-02-29T00:00:00Z"), 951782400); // divisible by 400: leap
}

TEST(SdkRfc3339, RefusesMalformedAndImpossibleTimes) {
    for (const char *bad :
         {"", "2026-11-28", "2026-11-28T12:00:00", "2026-13-01T00:00:00Z", "2026-11-28T12:00:00ZZ",
          "2026-11-28T12:00:00.Z", "2026-11-28T25:00:00Z", "2026-11-28T12:60:00Z", "2026-11-28T12:00:00+0100",
          "2026-11-28T12:00:00+24:00", "2026-11-28T12:00:00+01:0", "x026-11-28T12:00:00Z",
          "2026-11-28X12:00:00Z", "2025-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
          "2026-00-10T00:00:00Z", "2026-01-00T00:00:00Z"})
        EXPECT_FALSE(parse_rfc3339(bad).has_value()) << bad;
}

TEST(SdkRfc3339, FormatsUtc) {
    EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(format_rfc3339(-1), "1969-12-31T23:59:59Z");
    EXPECT_EQ(format_rfc3339(951782400), "2000-02-29T00:00:00Z");
    EXPECT_EQ(format_rfc3339(4102444800), "2100-01-01T00:00:00Z");
    EXPECT_EQ(format_rfc3339(253402300799), "9999-12-31T23:59:59Z");
}

TEST(SdkRfc3339, FormatAndParseAgreeAcrossCenturies) {
    for (std::int64_t t = -2'208'988'800; t < 4'102'444'800; t += 86'399 * 37)
        EXPECT_EQ(parse_rfc3339(format_rfc3339(t)), t) << t;
}

TEST(SdkLooksLikeTime, OnlyShortTimeShapedTextQualifies) {
    EXPECT_TRUE(pullcred::sdk::looks_like_time("2026-11-28T12:00:00Z"));
    EXPECT_TRUE(pullcred::sdk::looks_like_time("2026-02-30 12:00:00.5+01:00"));
    EXPECT_TRUE(pullcred::sdk::looks_like_time(""));
    EXPECT_FALSE(pullcred::sdk::looks_like_time("wJalrXUtnFEMI/K7MDENG"));
    EXPECT_FALSE(pullcred::sdk::looks_like_time(std::string(41, '1')));
}
