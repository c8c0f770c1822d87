// Expected values follow Go's time.ParseDuration (its documentation and
// source: whole units exact, fractions through float64).
#include <gtest/gtest.h>
#include <pullcred/duration.hpp>

using pullcred::sdk::parse_go_duration;

namespace {
std::int64_t ns(const char *text) {
    const auto parsed = parse_go_duration(text);
    EXPECT_EQ(parsed.error, "") << text;
    return parsed.nanoseconds;
}
std::string error_of(const char *text) {
    return parse_go_duration(text).error;
}
} // namespace

TEST(SdkGoDuration, ParsesLikeGo) {
    EXPECT_EQ(ns("0"), 0);
    EXPECT_EQ(ns("+5s"), 5'000'000'000);
    EXPECT_EQ(ns("1.5h"), 5'400'000'000'000);
    EXPECT_EQ(ns("2h45m"), 9'900'000'000'000);
    EXPECT_EQ(ns("300ms"), 300'000'000);
    EXPECT_EQ(ns("1.906s"), 1'906'000'000);
    EXPECT_EQ(ns(".5s"), 500'000'000);
    EXPECT_EQ(ns("5.s"), 5'000'000'000);
    EXPECT_EQ(ns("1us"), 1'000);
    EXPECT_EQ(ns("1\xC2\xB5s"), 1'000); // U+00B5 micro sign
    EXPECT_EQ(ns("1\xCE\xBCs"), 1'000); // U+03BC Greek mu
    EXPECT_EQ(ns("1.0000000001s"), 1'000'000'000) << "below a nanosecond is truncated";
    EXPECT_EQ(ns("9223372036854775807ns"), 9'223'372'036'854'775'807);
}

TEST(SdkGoDuration, NamesWhatIsWrong) {
    EXPECT_EQ(error_of(""), "empty");
    EXPECT_EQ(error_of("-1s"), "negative");
    EXPECT_EQ(error_of("+"), "no number");
    EXPECT_EQ(error_of(".s"), "expected a number");
    EXPECT_EQ(error_of("1h1"), "missing unit");
    EXPECT_EQ(error_of("1x"), "unknown unit \"x\"");
    EXPECT_EQ(error_of("9223372036854775808ns"), "too large");
    EXPECT_EQ(error_of("2562048h"), "too large");
    EXPECT_EQ(error_of("2562047h47m16.854775808s"), "too large");
}
