#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "util/json_strict.hpp"

using pullcred::parse_json_strict;
using testing::HasSubstr;

TEST(JsonStrict, AcceptsOrdinaryJsonAndRepeatedKeysInSeparateObjects) {
    auto value = parse_json_strict(R"({"a":{"x":1},"b":{"x":2},"c":[{"x":1},{"x":2}]})");
    ASSERT_TRUE(value.ok()) << value.error().message;
    EXPECT_EQ((*value)["c"][1]["x"], 2);
}

TEST(JsonStrict, RefusesDuplicateKeysAtAnyDepth) {
    EXPECT_THAT(parse_json_strict(R"({"a":1,"a":2})").error().message, HasSubstr("duplicate key \"a\""));
    EXPECT_THAT(parse_json_strict(R"({"o":{"k":1,"k":1}})").error().message,
                HasSubstr("duplicate key \"k\""));
    EXPECT_THAT(parse_json_strict(R"([{"k":1},{"k":1,"k":2}])").error().message, HasSubstr("duplicate key"));
}

TEST(JsonStrict, RefusesMalformedInputWithoutThrowing) {
    const std::vector<std::string> inputs{
        "", "{", "{\"a\":}", "nul", "\"\xff\"", "{} {}", std::string(100000, '[')};
    for (const auto &text : inputs) EXPECT_FALSE(parse_json_strict(text).ok()) << text.substr(0, 20);
}
