// credential_process output, RFC 3339 times and Go durations (process_output.hpp).
#include <chrono>
#include <ctime>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <string>
#include <variant>

#include "process_output.hpp"

using namespace pullcred_process;
using std::chrono::milliseconds;
using testing::AllOf;
using testing::HasSubstr;
using testing::Not;

namespace {

std::int64_t utc(int year, int month, int day, int hour, int minute, int second) {
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    return static_cast<std::int64_t>(::timegm(&tm));
}

constexpr std::int64_t kNow = 1'700'000'000; // 2023-11-14T22:13:20Z

std::string problem(std::string_view out) {
    auto parsed = parse_credential_output(out, kNow);
    if (const auto *text = std::get_if<std::string>(&parsed)) return *text;
    ADD_FAILURE() << "accepted: " << out;
    return {};
}

} // namespace

TEST(Rfc3339, UtcFractionsAndOffsets) {
    EXPECT_EQ(parse_rfc3339("2026-11-28T12:00:00Z"), utc(2026, 11, 28, 12, 0, 0));
    EXPECT_EQ(parse_rfc3339("2026-11-28T12:00:00.999999999Z"), utc(2026, 11, 28, 12, 0, 0));
    EXPECT_EQ(parse_rfc3339("2026-11-28T12:00:00+02:00"), utc(2026, 11, 28, 10, 0, 0));
    EXPECT_EQ(parse_rfc3339("2026-11-28T12:00:00.5-05:30"), utc(2026, 11, 28, 17, 30, 0));
    EXPECT_EQ(parse_rfc3339("2026-11-28t12:00:00z"), utc(2026, 11, 28, 12, 0, 0));
    EXPECT_EQ(parse_rfc3339("2026-11-28 12:00:00+00:00"), utc(2026, 11, 28, 12, 0, 0));
    EXPECT_EQ(parse_rfc3339("2024-02-29T00:00:00Z"), utc(2024, 2, 29, 0, 0, 0));
    EXPECT_EQ(parse_rfc3339("2000-02-29T23:59:59Z"), utc(2000, 2, 29, 23, 59, 59));
    EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
    EXPECT_EQ(parse_rfc3339("2026-01-01T00:30:00+01:00"), utc(2025, 12, 31, 23, 30, 0));
}

TEST(Rfc3339, MalformedTimesAreRefused) {
    for (const char *text : {"",
                             "2026-11-28",
                             "2026-11-28T12:00:00",
                             "2026-11-28T12:00Z",
                             "2026-11-28T12:00:00+0200",
                             "2026-11-28T12:00:00+02",
                             "2026-13-01T00:00:00Z",
                             "2026-00-01T00:00:00Z",
                             "2026-02-29T00:00:00Z",
                             "1900-02-29T00:00:00Z",
                             "2026-04-31T00:00:00Z",
                             "2026-11-28T24:00:00Z",
                             "2026-11-28T12:60:00Z",
                             "2026-11-28T12:00:61Z",
                             "2026-11-28T12:00:00.Z",
                             "2026-11-28T12:00:00ZZ",
                             "2026-11-28T12:00:00Z ",
                             "26-11-28T12:00:00Z",
                             "2026/11/28T12:00:00Z",
                             "2026-11-28X12:00:00Z",
                             "2026-11-28T12:00:00+24:00",
                             "tomorrow",
                             "1700000000"}) {
        EXPECT_EQ(parse_rfc3339(text), std::nullopt) << text;
    }
}

TEST(Rfc3339, FormatRoundTrips) {
    EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(format_rfc3339(kNow), "2023-11-14T22:13:20Z");
    for (std::int64_t t :
         {std::int64_t{951'782'400}, kNow, utc(2099, 12, 31, 23, 59, 59), utc(2024, 2, 29, 1, 2, 3)})
        EXPECT_EQ(parse_rfc3339(format_rfc3339(t)), t) << t;
}

TEST(GoDuration, AcceptsWhatGoAccepts) {
    EXPECT_EQ(parse_go_duration("30s"), milliseconds(30'000));
    EXPECT_EQ(parse_go_duration("1m30s"), milliseconds(90'000));
    EXPECT_EQ(parse_go_duration("1.5s"), milliseconds(1'500));
    EXPECT_EQ(parse_go_duration(".5s"), milliseconds(500));
    EXPECT_EQ(parse_go_duration("500ms"), milliseconds(500));
    EXPECT_EQ(parse_go_duration("2h"), milliseconds(7'200'000));
    EXPECT_EQ(parse_go_duration("1h2m3s4ms"), milliseconds(3'723'004));
    EXPECT_EQ(parse_go_duration("+5s"), milliseconds(5'000));
    EXPECT_EQ(parse_go_duration("0"), milliseconds(0));
    EXPECT_EQ(parse_go_duration("0s"), milliseconds(0));
    // Summed in floating point, 1.906s came to 1907 ms (found by the credential_process fuzzer).
    EXPECT_EQ(parse_go_duration("1.906s"), milliseconds(1'906));
    EXPECT_EQ(parse_go_duration(format_duration(milliseconds(1'906))), milliseconds(1'906));
    EXPECT_EQ(parse_go_duration("1.000001ms"), milliseconds(2));  // 1000001 ns, rounded up
    EXPECT_EQ(parse_go_duration("1.0000001ms"), milliseconds(1)); // below a nanosecond: dropped, as Go
    EXPECT_EQ(parse_go_duration("2562047h"), milliseconds(9'223'369'200'000));
    EXPECT_EQ(parse_go_duration("2562048h"), std::nullopt);
    EXPECT_EQ(parse_go_duration("1500us"), milliseconds(2)); // rounded up
    EXPECT_EQ(parse_go_duration("2000\xC2\xB5s"), milliseconds(2));
    EXPECT_EQ(parse_go_duration("2000\xCE\xBCs"), milliseconds(2));
    EXPECT_EQ(parse_go_duration("3000000ns"), milliseconds(3));
}

TEST(GoDuration, RefusesTheRest) {
    for (const char *text :
         {"", "-1s", "10", "s", "1x", "1 s", "1s ", "1.s.", "1d", "..s", "99999999999h", "+"})
        EXPECT_EQ(parse_go_duration(text), std::nullopt) << text;
}

TEST(GoDuration, FormatsLikeGo) {
    EXPECT_EQ(format_duration(milliseconds(0)), "0s");
    EXPECT_EQ(format_duration(milliseconds(250)), "250ms");
    EXPECT_EQ(format_duration(milliseconds(1'000)), "1s");
    EXPECT_EQ(format_duration(milliseconds(1'500)), "1.5s");
    EXPECT_EQ(format_duration(milliseconds(30'000)), "30s");
    EXPECT_EQ(format_duration(milliseconds(90'000)), "1m30s");
    EXPECT_EQ(format_duration(milliseconds(3'600'000)), "1h0m0s");
    EXPECT_EQ(format_duration(milliseconds(3'723'040)), "1h2m3.04s");
}

TEST(CredentialOutput, FullDocument) {
    auto parsed = parse_credential_output(
        R"({"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"SECRET","SessionToken":"TOKEN",)"
        R"("Expiration":"2026-11-28T12:00:00Z","Extra":{"ignored":true}})",
        kNow);
    ASSERT_TRUE(std::holds_alternative<ProcessCredentials>(parsed)) << std::get<std::string>(parsed);
    const auto &keys = std::get<ProcessCredentials>(parsed);
    EXPECT_EQ(keys.access_key_id, "AKID");
    EXPECT_EQ(keys.secret_access_key, "SECRET");
    EXPECT_EQ(keys.session_token, "TOKEN");
    EXPECT_EQ(keys.expires_unix, utc(2026, 11, 28, 12, 0, 0));
}

TEST(CredentialOutput, OptionalFieldsMayBeAbsentOrNull) {
    auto parsed = parse_credential_output("\n  {\"Version\": 1.0, \"AccessKeyId\": \"AKID\", "
                                          "\"SecretAccessKey\": \"SECRET\", \"SessionToken\": null,"
                                          " \"Expiration\": null}\n",
                                          kNow);
    ASSERT_TRUE(std::holds_alternative<ProcessCredentials>(parsed)) << std::get<std::string>(parsed);
    EXPECT_EQ(std::get<ProcessCredentials>(parsed).session_token, "");
    EXPECT_EQ(std::get<ProcessCredentials>(parsed).expires_unix, std::nullopt);
}

TEST(CredentialOutput, ProblemsAreNamedWithoutQuotingStdout) {
    const std::string keys = R"("AccessKeyId":"AKID","SecretAccessKey":"S3CR3T")";
    EXPECT_THAT(problem(""), HasSubstr("printed nothing on stdout"));
    EXPECT_THAT(problem("  \n"), HasSubstr("printed nothing on stdout"));
    EXPECT_THAT(problem("S3CR3T not json"),
                AllOf(HasSubstr("not JSON on stdout (15 bytes, invalid at byte"), Not(HasSubstr("S3CR3T"))));
    EXPECT_THAT(problem(R"({"Version":1,"SecretAccessKey":"S3CR3T")"),
                AllOf(HasSubstr("not JSON"), Not(HasSubstr("S3CR3T"))));
    // nlohmann throws out_of_range, not parse_error, for 1e999 (found by the credential_process fuzzer).
    EXPECT_THAT(problem(R"({"Version":1e999,)" + keys + "}"),
                AllOf(HasSubstr("number out of range on stdout"), Not(HasSubstr("S3CR3T"))));
    EXPECT_THAT(problem(R"(["S3CR3T"])"),
                AllOf(HasSubstr("not an object (an array)"), Not(HasSubstr("S3CR3T"))));
    EXPECT_THAT(problem("{" + keys + "}"), HasSubstr("printed no Version"));
    EXPECT_THAT(problem(R"({"Version":2,)" + keys + "}"), HasSubstr("printed Version 2; only Version 1"));
    EXPECT_THAT(problem(R"({"Version":"1",)" + keys + "}"), HasSubstr("Version that is a string"));
    EXPECT_THAT(problem(R"({"Version":1.5,)" + keys + "}"), HasSubstr("Version other than 1"));
    EXPECT_THAT(problem(R"({"Version":1,"SecretAccessKey":"S3CR3T"})"),
                AllOf(HasSubstr("printed no AccessKeyId"), Not(HasSubstr("S3CR3T"))));
    EXPECT_THAT(problem(R"({"Version":1,"AccessKeyId":"AKID"})"), HasSubstr("printed no SecretAccessKey"));
    EXPECT_THAT(problem(R"({"Version":1,"AccessKeyId":"AKID","SecretAccessKey":""})"),
                HasSubstr("printed an empty SecretAccessKey"));
    EXPECT_THAT(problem(R"({"Version":1,"AccessKeyId":7,"SecretAccessKey":"S3CR3T"})"),
                HasSubstr("AccessKeyId that is a number"));
    EXPECT_THAT(problem(R"({"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"S3 CR3T"})"),
                AllOf(HasSubstr("SecretAccessKey with blanks"), Not(HasSubstr("S3 CR3T"))));
    EXPECT_THAT(problem(R"({"Version":1,)" + keys + R"(,"SessionToken":5})"),
                HasSubstr("SessionToken that is"));
    EXPECT_THAT(problem(R"({"Version":1,)" + keys + R"(,"Expiration":"next week"})"),
                HasSubstr("Expiration that is not an RFC 3339 time"));
    EXPECT_THAT(problem(R"({"Version":1,)" + keys + R"(,"Expiration":"2026-11-28T12:00:00"})"),
                HasSubstr("Expiration (2026-11-28T12:00:00) that is not an RFC 3339 time"));
    EXPECT_THAT(problem(R"({"Version":1,)" + keys + R"(,"Expiration":1700000000})"),
                HasSubstr("Expiration that is a number"));
    EXPECT_THAT(
        problem(R"({"Version":1,)" + keys + R"(,"Expiration":"2020-01-01T00:00:00+01:00"})"),
        HasSubstr("expired: Expiration 2019-12-31T23:00:00Z is not after now (2023-11-14T22:13:20Z)"));
}
