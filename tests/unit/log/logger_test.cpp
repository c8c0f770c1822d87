#include <cstdio>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "log/logger.hpp"
#include "log/redact.hpp"

using namespace pullcred;

namespace {
std::string capture(auto &&fn) {
    testing::internal::CaptureStderr();
    fn();
    return testing::internal::GetCapturedStderr();
}
} // namespace

TEST(Logger, TextLinesAreSingleLineAndRedacted) {
    log::configure({log::Level::info, log::Format::text});
    log::register_secret("logger-test-secret-value");
    const auto out = capture([] { log::error("failed with logger-test-secret-value\nsecond line"); });
    EXPECT_EQ(out, "pullcred: error: failed with [REDACTED] second line\n");
}

TEST(Logger, JsonLinesAreValidJsonAndRedacted) {
    log::configure({log::Level::debug, log::Format::json});
    log::register_secret("json-logger-secret");
    const auto out =
        capture([] { log::write(log::Level::warn, "saw json-logger-secret \"quoted\"", "aws.ecr"); });
    const auto record = nlohmann::json::parse(out);
    EXPECT_EQ(record["level"], "warning");
    EXPECT_EQ(record["module"], "aws.ecr");
    EXPECT_EQ(record["msg"], "saw [REDACTED] \"quoted\"");
    log::configure({});
}

TEST(Logger, LevelFiltersLowerMessages) {
    log::configure({log::Level::warn, log::Format::text});
    EXPECT_EQ(capture([] { log::info("quiet"); }), "");
    EXPECT_NE(capture([] { log::warn("loud"); }), "");
    log::configure({});
}
