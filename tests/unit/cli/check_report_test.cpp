// What check-config prints: consequences of a schema problem left out,
// repeats left out, warnings never failing the check.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "cli/check_report.hpp"

namespace {

using pullcred::cli::CheckReport;
using pullcred::config::Problem;
using pullcred::config::Severity;
using testing::HasSubstr;
using testing::Not;

TEST(CheckReport, AProblemInsideASchemaProblemIsItsConsequence) {
    CheckReport report("/etc/pullcred/config.yaml");
    report.add_schema({{"profiles.node", "must have property \"source\"", Severity::error}});
    report.add({"profiles.node.source", "no module provides \"\"", Severity::error});
    report.add({"profiles.nodes", "is not referenced by any rule", Severity::warning});
    std::ostringstream out;
    std::ostringstream err;
    report.print_text(out, err);
    EXPECT_THAT(err.str(), HasSubstr("profiles.node: error: must have property \"source\""));
    EXPECT_THAT(err.str(), Not(HasSubstr("no module provides")));
    EXPECT_THAT(err.str(), HasSubstr("profiles.nodes: warning:"));
    EXPECT_THAT(err.str(), HasSubstr("/etc/pullcred/config.yaml: 1 error(s), 1 warning(s)"));
    EXPECT_TRUE(out.str().empty());
}

TEST(CheckReport, RepeatsAreLeftOutAndWarningsPass) {
    CheckReport report("");
    report.add({"registries[0]", "may match hosts that are not ECR", Severity::warning});
    report.add({"registries[0]", "may match hosts that are not ECR", Severity::warning});
    report.counts(2, 3);
    EXPECT_FALSE(report.has_errors());
    std::ostringstream out;
    std::ostringstream err;
    report.print_text(out, err);
    EXPECT_EQ(err.str(), "registries[0]: warning: may match hosts that are not ECR\n");
    EXPECT_EQ(out.str(), "built-in config: OK (2 profile(s), 3 rule(s))\n");
}

TEST(CheckReport, JsonCarriesEveryProblemForTools) {
    CheckReport report("c.yaml");
    report.add({"", "is not valid YAML", Severity::error});
    std::ostringstream out;
    report.print_json(out);
    const auto document = nlohmann::json::parse(out.str());
    EXPECT_EQ(document.at("file"), "c.yaml");
    EXPECT_EQ(document.at("ok"), false);
    ASSERT_EQ(document.at("problems").size(), 1U);
    EXPECT_EQ(document.at("problems")[0].at("severity"), "error");
    EXPECT_EQ(document.at("problems")[0].at("message"), "is not valid YAML");
}

} // namespace
