// Which rule answers an image: the first whose matchImages matches, and after
// a backend's NOT_APPLICABLE, the next one.
#include <gtest/gtest.h>

#include "request/rule_selection.hpp"

namespace {

using namespace pullcred;

config::Config config_of(std::initializer_list<std::vector<std::string>> rules) {
    config::Config config;
    for (const auto &patterns : rules) {
        config::Rule rule;
        rule.index = config.registries.size();
        rule.match_images = patterns;
        rule.backend = "aws.ecr";
        config.registries.push_back(rule);
    }
    return config;
}

const auto kEcrImage = *match::ImageRef::parse("111122223333.dkr.ecr.us-west-2.amazonaws.com/team/app:1");

TEST(RuleSelection, TheFirstMatchingRuleAndPatternWin) {
    const auto config = config_of(
        {{"registry.example.com"}, {"nomatch.io", "*.dkr.ecr.*.amazonaws.com"}, {"*.amazonaws.com"}});
    const auto selection = request::select_rule(config, kEcrImage);
    ASSERT_NE(selection.rule, nullptr);
    EXPECT_EQ(selection.rule->index, 1U);
    EXPECT_EQ(selection.pattern, "*.dkr.ecr.*.amazonaws.com");
}

TEST(RuleSelection, NoMatchingRuleIsNoSelection) {
    const auto config = config_of({{"registry.example.com"}, {"*.dkr.ecr.*.amazonaws.com"}});
    EXPECT_EQ(request::select_rule(config, *match::ImageRef::parse("docker.io/library/nginx")).rule, nullptr);
    EXPECT_EQ(request::select_rule(config_of({}), kEcrImage).rule, nullptr);
}

TEST(RuleSelection, NotApplicableHandsTheImageToTheNextMatchingRule) {
    const auto config = config_of({{"*.dkr.ecr.*.amazonaws.com"},
                                   {"registry.example.com"},
                                   {"*.amazonaws.com"},
                                   {"111122223333.dkr.ecr.*.amazonaws.com"}});
    const auto first = request::select_rule(config, kEcrImage);
    ASSERT_NE(first.rule, nullptr);
    EXPECT_EQ(first.rule->index, 0U);
    const auto next = request::select_rule_after(config, kEcrImage, first.rule);
    ASSERT_NE(next.rule, nullptr);
    EXPECT_EQ(next.rule->index, 3U) << "a glob's * spans one DNS label: *.amazonaws.com does not match";
    EXPECT_EQ(next.pattern, "111122223333.dkr.ecr.*.amazonaws.com");
    EXPECT_EQ(request::select_rule_after(config, kEcrImage, next.rule).rule, nullptr);
}

} // namespace
