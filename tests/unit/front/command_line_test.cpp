// What the static front answers itself (get-credentials with at most one
// --config) and what it hands to the host (everything else).
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "front/command_line.hpp"

namespace {

std::optional<std::string> config_of(std::initializer_list<std::string> words) {
    std::vector<std::string> storage(words);
    std::vector<char *> argv;
    for (auto &word : storage) argv.push_back(word.data());
    argv.push_back(nullptr);
    return pullcred::front::get_credentials_config(static_cast<int>(storage.size()), argv.data());
}

TEST(FrontCommandLine, AnswersGetCredentialsWithAtMostOneConfig) {
    EXPECT_EQ(config_of({"/usr/bin/pullcred", "get-credentials"}), "");
    EXPECT_EQ(config_of({"pullcred", "get-credentials", "--config", "/etc/p.yaml"}), "/etc/p.yaml");
    EXPECT_EQ(config_of({"pullcred", "--config=/etc/p.yaml", "get-credentials"}), "/etc/p.yaml");
    EXPECT_EQ(config_of({"pullcred", "--config", "/etc/p.yaml", "get-credentials"}), "/etc/p.yaml");
}

TEST(FrontCommandLine, HandsEverythingElseToTheHost) {
    const std::initializer_list<std::initializer_list<std::string>> host_cases = {
        {"pullcred"},
        {"pullcred", "check-config"},
        {"pullcred", "get-credentials", "get-credentials"},
        {"pullcred", "get-credentials", "--verbose"},
        {"pullcred", "get-credentials", "--config"},
        {"pullcred", "get-credentials", "--config="},
        {"pullcred", "get-credentials", "--config", "--help"},
        {"pullcred", "get-credentials", "--config", "a", "--config", "b"},
        {"pullcred", "get-credentials", "extra"},
        {"pullcred", "--config", "a"},
        {"/usr/local/bin/docker-credential-pullcred", "get-credentials"},
        {"aws_signing_helper", "get-credentials"},
    };
    for (const auto &words : host_cases) {
        std::string shown;
        for (const auto &word : words) shown += word + " ";
        EXPECT_EQ(config_of(words), std::nullopt) << shown;
    }
}

} // namespace
