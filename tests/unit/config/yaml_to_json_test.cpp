#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/yaml_to_json.hpp"

using pullcred::config::yaml_to_json;
using testing::HasSubstr;

TEST(YamlToJson, TypesPlainScalarsAndKeepsQuotedOnesAsStrings) {
    auto doc = yaml_to_json("a: 1\nb: true\nc: '1'\nd: \"true\"\ne: ~\nf: 1.5\ng: 5h\nh: 0777\ni: -3\n");
    ASSERT_TRUE(doc.ok()) << doc.error().message;
    EXPECT_EQ((*doc)["a"], 1);
    EXPECT_EQ((*doc)["b"], true);
    EXPECT_EQ((*doc)["c"], "1");
    EXPECT_EQ((*doc)["d"], "true");
    EXPECT_TRUE((*doc)["e"].is_null());
    EXPECT_EQ((*doc)["f"], 1.5);
    EXPECT_EQ((*doc)["g"], "5h");
    EXPECT_EQ((*doc)["i"], -3);
}

TEST(YamlToJson, KeepsTheGlobsOfTheTutorialWhenQuoted) {
    auto doc = yaml_to_json("matchImages: [\"*.dkr.ecr.*.amazonaws.com\"]\n");
    ASSERT_TRUE(doc.ok());
    EXPECT_EQ((*doc)["matchImages"][0], "*.dkr.ecr.*.amazonaws.com");
    // Unquoted, '*' starts an alias: the YAML error the reference docs trip over.
    auto bad = yaml_to_json("matchImages:\n  - *.dkr.ecr.*.amazonaws.com\n");
    ASSERT_FALSE(bad.ok());
    EXPECT_THAT(bad.error().message, HasSubstr("invalid YAML at line 2"));
}

TEST(YamlToJson, RefusesDuplicateKeysWithTheirLine) {
    auto doc = yaml_to_json("a: 1\nb: 2\na: 3\n");
    ASSERT_FALSE(doc.ok());
    EXPECT_THAT(doc.error().message, testing::AllOf(HasSubstr("duplicate key \"a\""), HasSubstr("line 3")));
}

TEST(YamlToJson, RefusesHostileShapes) {
    EXPECT_FALSE(yaml_to_json("? [a, b]\n: c\n").ok());
    EXPECT_FALSE(yaml_to_json("a: 1\n---\nb: 2\n").ok());
    EXPECT_FALSE(yaml_to_json(std::string(200, '[')).ok());
    EXPECT_FALSE(yaml_to_json("a: &x [*x]\n").ok());
    EXPECT_FALSE(yaml_to_json("\t- bad indent\n: :").ok());
}

// Found by the config fuzz target (tests/fuzz/crashes/config, yaml_to_json):
// each of these hung yaml-cpp 0.7, the parser before libyaml.
TEST(YamlToJson, StrayCommasAreRefused) {
    const std::vector<std::string> stray{",",         " ,",    "- a\n,",      "[a, b], c",
                                         "{a: 1}, x", "'a',b", "\"a\" , b",   "k: 'a', b",
                                         "!!str ,",   "&a ,",  "!!str 'a', b"};
    for (const auto &text : stray) {
        auto doc = yaml_to_json(text);
        ASSERT_FALSE(doc.ok()) << text;
        EXPECT_THAT(doc.error().message, HasSubstr("invalid YAML at line")) << text;
    }
    const std::vector<std::string> fine{"a: b, c",
                                        "a: [1, 2]",
                                        "a: \"x, y\"",
                                        "a: |\n  , literal\nb: 1",
                                        "# ,\na: 1",
                                        "['a', 'b']",
                                        "{'a': 1, \"b\": 2}",
                                        "'it''s, ok'",
                                        "!!str a, b",
                                        "&a [x, y]",
                                        "!<tag:yaml.org,2002:str> x"};
    for (const auto &text : fine) EXPECT_TRUE(yaml_to_json(text).ok()) << text;
    EXPECT_EQ(*yaml_to_json("&- 8\n? "), "8 ?") << "hung yaml-cpp after its comma guard";
}

TEST(YamlToJson, AliasesCopyTheirAnchorAndCountTowardsTheLimit) {
    auto doc = yaml_to_json("base: &b {region: us-west-2, n: 1}\ncopy: *b\nkey: &k name\n*k : 2\n");
    ASSERT_TRUE(doc.ok()) << doc.error().message;
    EXPECT_EQ((*doc)["copy"], (*doc)["base"]);
    EXPECT_EQ((*doc)["name"], 2);
    EXPECT_THAT(yaml_to_json("a: *nowhere\n").error().message,
                testing::AllOf(HasSubstr("line 1"), HasSubstr("alias *nowhere names no anchor")));
    // "Billion laughs": eight levels of ten aliases each stand for 10^8 values.
    std::string laughs = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int level = 1; level < 8; ++level) {
        const auto below = "*a" + std::to_string(level - 1);
        laughs += "a" + std::to_string(level) + ": &a" + std::to_string(level) + " [" + below;
        for (int i = 1; i < 10; ++i) laughs += ", " + below;
        laughs += "]\n";
    }
    EXPECT_THAT(yaml_to_json(laughs).error().message, HasSubstr("after expanding aliases"));
}

TEST(YamlToJson, ExplicitStringTagKeepsAPlainScalarAString) {
    auto doc = yaml_to_json("a: !!str 123\nb: !!int 7\n");
    ASSERT_TRUE(doc.ok()) << doc.error().message;
    EXPECT_EQ((*doc)["a"], "123");
    EXPECT_EQ((*doc)["b"], 7);
}

TEST(YamlToJson, ControlCharactersAreRefusedWithTheirLine) {
    EXPECT_THAT(yaml_to_json(std::string("\0,1", 3)).error().message,
                HasSubstr("line 1: control character 0x00"));
    EXPECT_THAT(yaml_to_json("a: 1\nb: x\x01y\n").error().message,
                HasSubstr("line 2: control character 0x01"));
    EXPECT_THAT(yaml_to_json("a: \x7f\n").error().message, HasSubstr("control character 0x7F"));
    EXPECT_TRUE(yaml_to_json("a:\t1\r\nb: 2\r\n").ok());
}

TEST(YamlToJson, InvalidUtf8AndHugeValuesAreRefused) {
    EXPECT_THAT(yaml_to_json("dir: a\x95\x95\x95\x95\x95\x95\n").error().message, HasSubstr("UTF-8"));
    EXPECT_THAT(yaml_to_json("dir: " + std::string(5000, 'a') + "\n").error().message,
                HasSubstr("longer than"));
}

// Found by the yaml_to_json fuzz target: "\x82" decoded to a C1 control that
// libyaml refuses raw, so the value could not be written back as YAML.
TEST(YamlToJson, EscapedControlCharactersAreRefused) {
    for (const char *text :
         {"a: \"x\\x82\"", "a: \"\\u0007\"", "a: \"\\uFFFE\"", "a: \"\\x85\"", "a: \"\\u2028\""})
        EXPECT_THAT(yaml_to_json(text).error().message, HasSubstr("escaped control character")) << text;
    EXPECT_EQ(*yaml_to_json("a: \"tab\\there \\u263A\""), nlohmann::json({{"a", "tab\there \u263A"}}));
}
