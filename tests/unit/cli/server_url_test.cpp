// The registry a docker credential helper is asked about.
#include <gtest/gtest.h>

#include "cli/server_url.hpp"

namespace {

using pullcred::cli::parse_server_url;

TEST(ServerUrl, TheRegistryIsTheHostAndPortWhateverTheForm) {
    const struct {
        const char *input;
        const char *registry;
    } cases[] = {
        {"111122223333.dkr.ecr.us-west-2.amazonaws.com", "111122223333.dkr.ecr.us-west-2.amazonaws.com"},
        {"https://111122223333.dkr.ecr.us-west-2.amazonaws.com/v2/\n",
         "111122223333.dkr.ecr.us-west-2.amazonaws.com"},
        {"http://localhost:5000/v2/ \r\n", "localhost:5000"},
        {"public.ecr.aws/team/app", "public.ecr.aws"},
    };
    for (const auto &c : cases) {
        const auto parsed = parse_server_url(c.input);
        ASSERT_TRUE(parsed.has_value()) << c.input;
        EXPECT_EQ(parsed->registry, c.registry) << c.input;
        EXPECT_EQ(parsed->url.find('\n'), std::string::npos);
    }
}

TEST(ServerUrl, NoRegistryIsNoAnswer) {
    for (const auto *input : {"", "\n", "https://", "https:///v2/", "/v2/"})
        EXPECT_FALSE(parse_server_url(input).has_value()) << input;
}

} // namespace
