// Schema problems in plain words (config/schema_messages.hpp) and the model
// built past them (config/partial_build.hpp).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/loader.hpp"
#include "config/model_builder.hpp"
#include "config/partial_build.hpp"
#include "config/schema_validator.hpp"

using namespace pullcred::config;
using nlohmann::json;
using testing::ElementsAre;
using testing::Field;

namespace {

std::vector<Problem> validate(std::string_view schema, const json &document) {
    auto validator = SchemaValidator::compile(schema);
    EXPECT_TRUE(validator.ok());
    return validator->validate(document);
}

auto problem(const std::string &path, const std::string &message) {
    return AllOf(Field(&Problem::path, path), Field(&Problem::message, message));
}

constexpr std::string_view kModuleSchema = R"({
  "type": "object", "additionalProperties": false, "required": ["certificate"],
  "properties": {
    "certificate": {"type": "string", "minLength": 1},
    "sessionDuration": {"type": "integer", "minimum": 900, "maximum": 43200},
    "roleArn": {"title": "role ARN", "examples": ["arn:aws:iam::111122223333:role/x"], "type": "string",
                "pattern": "^arn:"},
    "mode": {"type": "string", "pattern": "^[a-z]+$"}
  }
})";

} // namespace

TEST(SchemaMessages, AnyModuleSchemaGetsPlainWordsForEveryProblem) {
    const auto problems = validate(
        kModuleSchema, json{{"sessionDuration", 60}, {"roleArn", "role/x"}, {"mode", "A"}, {"regoin", "x"}});
    EXPECT_THAT(
        problems,
        testing::UnorderedElementsAre(
            problem("certificate", "required but missing: add `certificate:` with a non-empty string"),
            problem("sessionDuration", "expected a whole number from 900 to 43200, got the number 60"),
            problem("roleArn", "expected a role ARN such as \"arn:aws:iam::111122223333:role/x\", got the "
                               "string \"role/x\""),
            problem("mode", "expected a string matching the pattern ^[a-z]+$, got the string \"A\""),
            problem("regoin", "unknown key: remove it or correct its spelling (the keys allowed here: "
                              "certificate, mode, roleArn, sessionDuration)")));
}

TEST(SchemaMessages, ValuesAreQuotedBoundedAndPrintable) {
    const auto problems =
        validate(kModuleSchema, json{{"certificate", "c"}, {"mode", std::string(200, 'x') + "\n"}});
    ASSERT_EQ(problems.size(), 1U);
    EXPECT_THAT(problems[0].message, testing::HasSubstr("\u2026\" (201 bytes)"));
    EXPECT_EQ(problems[0].message.find('\n'), std::string::npos);
}

TEST(PartialBuild, ABrokenRuleOrProfileLeavesTheOthersCheckedWithTheirIndices) {
    std::vector<Problem> problems;
    auto document = read_document(R"(apiVersion: pullcred/v1
kind: Config
settings: {deadline: 30, httpTimeout: 99s}
profiles:
  good: {source: aws.static}
  broken: {source: NotDotted}
registries:
  - {matchImages: [a.io]}
  - {matchImages: [b.io], backend: a.b, profile: broken, cacheDuration: forever}
  - {matchImages: ["c.io:*"], backend: a.b, profile: nowhere}
)",
                                  "c.yaml", problems);
    ASSERT_TRUE(document.has_value());
    auto validator = SchemaValidator::compile(config_schema());
    ASSERT_TRUE(validator.ok());
    const auto schema_problems = validator->validate(*document);
    std::vector<std::string> schema_paths;
    for (const auto &p : schema_problems) schema_paths.push_back(p.path);
    EXPECT_THAT(schema_paths,
                testing::UnorderedElementsAre("settings.deadline", "profiles.broken.source",
                                              "registries[0].backend", "registries[1].cacheDuration"));

    Config config;
    build_partial_config(*document, schema_problems, config, problems);
    EXPECT_EQ(config.profiles.size(), 1U);
    EXPECT_TRUE(config.profiles.contains("good"));
    ASSERT_EQ(config.registries.size(), 2U);
    EXPECT_EQ(config.registries[0].index, 1U);
    EXPECT_EQ(config.registries[0].profile, "broken"); // a broken profile is still a defined one
    EXPECT_EQ(config.registries[1].index, 2U);
    std::vector<std::string> paths;
    for (const auto &p : problems) paths.push_back(p.path);
    // The rest is still checked: a bad pattern, a missing profile, and the
    // refused deadline left at its default of 45s, so httpTimeout 99s is out of range.
    EXPECT_THAT(paths, testing::UnorderedElementsAre("settings.httpTimeout", "registries[2].matchImages[0]",
                                                     "registries[2].profile"));
}
