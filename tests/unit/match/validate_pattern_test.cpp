#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "match/glob.hpp"

namespace {

using pullcred::match::kMaxImageRefLength;
using pullcred::match::match_image;
using pullcred::match::PatternKind;
using pullcred::match::validate_pattern;

TEST(ValidatePattern, AcceptsWhatKubeletCanMatch) {
    for (const std::string_view pattern : {
             "*.dkr.ecr.*.amazonaws.com",
             "*.dkr.ecr*.*.amazonaws.com",
             "public.ecr.aws",
             "*",
             "*.*",
             "registry.io:8080/path",
             "registry.io/team/",
             "app*.k8s.io",
             "reg[a-z]stry.io",
             "reg[!a]stry.io", // valid, but '!' is a literal (documented)
             "REGISTRY.io",    // valid, kubelet is case-sensitive
             "*.io",
             "registry..io",
             "[::1]:5000",
             "[fe80::1%25eth0]:5000",
             "*:5000",
             "r%C3%A9g.io",
             "localhost",
         }) {
        const auto status = validate_pattern(pattern);
        EXPECT_TRUE(status.ok()) << pattern << ": " << status.error().message;
    }
}

struct Bad {
    std::string pattern;
    std::string_view says;
    PatternKind kind = PatternKind::match_images;
};

TEST(ValidatePattern, SaysWhyAPatternIsInvalid) {
    const Bad cases[] = {
        {"", "pattern is empty"},
        {std::string(kMaxImageRefLength + 1, 'a'), "4097 bytes long"},
        {"registry.io/a b", "contains a space at offset 13"},
        {"registry.io\t", "control character 0x09"},
        {"reg?stry.io", "'?' at offset 3, which starts a URL query"},
        {"registry.io/x#y", "'#' at offset 13, which starts a URL fragment"},
        {"registry.io:*", "glob in the port (\"*\")"},
        {"registry.io:50[0-9]0", "glob in the port"},
        {"[::1]:*", "glob in the port"},
        {"registry.io:http", "invalid port \":http\" after host"},
        {"reg[a-z.io", "label \"reg[a-z\", which is not a valid glob: it has an unbalanced '['"},
        {"[a-z]egistry.io", "not a URL kubelet can parse"},
        {"reg[]x.io", "malformed character class"},
        {"reg[a-].io", "malformed character class"},
        {"a.b.c[", "label \"c[\""},
        {"https://registry.io", "URL scheme \"https://\": kubelet uses matchImages entries verbatim"},
        {"http://registry.io", "URL scheme \"http://\""},
        {"oci://registry.io", "URL scheme \"oci://\""},
        {"user@registry.io", "'@' before the first '/'"},
        {"reg\\istry.io", "contains '\\' in the host"},
        {"reg[^a]stry.io", "contains '^' in the host"},
        {"[::1]", "IPv6 literal without a port"},
        {"[::1]/x", "IPv6 literal without a port"},
        {"[1.2.3.4]:5000", "invalid IP-literal"},
        {"[::1", "missing ']' in host"},
        {"reg[a-z].io:5000", "combines a character class with a port"},
        {"reg]a.io:5000", "combines a character class with a port"},
        {"registry.io:", "empty port after ':'"},
        {":5000", "empty host"},
        {"/team", "empty host"},
        {"registry.io/team/*", "glob characters in the path \"/team/*\""},
        {"registry.io/[ab]", "glob characters in the path"},
        {"a:1:2", "invalid port \":1:2\""},
        {"%41.io", "invalid URL escape \"%41\""},
        {"reg istry.io", "contains a space"},
        {"reg|istry.io", "invalid character \"|\" in host name"},
        // auth keys: kubelet strips "https://" and "http://" only
        {"ftp://registry.io", "kubelet only strips \"https://\" and \"http://\"", PatternKind::auth_key},
        {"HTTPS://registry.io", "kubelet only strips", PatternKind::auth_key},
        {"https://registry.io:*", "glob in the port", PatternKind::auth_key},
        {"https://reg?stry.io", "'?'", PatternKind::auth_key},
        {"https://a%25b.io", "invalid URL escape", PatternKind::auth_key}, // normalised "a%b.io" breaks
    };
    for (const auto &c : cases) {
        const auto status = validate_pattern(c.pattern, c.kind);
        ASSERT_FALSE(status.ok()) << "accepted: " << c.pattern;
        EXPECT_NE(status.error().message.find(c.says), std::string::npos)
            << c.pattern << " -> " << status.error().message << " (want \"" << c.says << "\")";
    }
}

TEST(ValidatePattern, AuthKeysAreNormalisedFirst) {
    for (const std::string_view key : {"https://registry.io", "http://registry.io", "https://quay.io/v1/",
                                       "https://*.docker.io/v2/", "registry.io/team", "*.registry.io:8080"}) {
        const auto status = validate_pattern(key, PatternKind::auth_key);
        EXPECT_TRUE(status.ok()) << key << ": " << status.error().message;
    }
}

// Every pattern validate_pattern rejects for a reason of "never matches" must
// indeed fail to match the image it was obviously meant for.
TEST(ValidatePattern, RejectedPatternsReallyDoNotMatch) {
    const std::pair<std::string_view, std::string_view> cases[] = {
        {"https://registry.io", "registry.io/x"},
        {"[::1]", "[::1]/x"},
        {"reg[a-z].io:5000", "rega.io:5000/x"},
        {"reg?stry.io", "registry.io/x"},
        {"reg[^a]stry.io", "regbstry.io/x"},
        {"reg\\istry.io", "registry.io/x"},
        {"registry.io:*", "registry.io:5000/x"},
        {"reg[a-z.io", "rega.io/x"},
        {"registry.io/team/*", "registry.io/team/app"},
    };
    for (const auto &[pattern, image] : cases) {
        EXPECT_FALSE(validate_pattern(pattern).ok()) << pattern;
        EXPECT_FALSE(match_image(pattern, image)) << pattern << " vs " << image;
    }
}

} // namespace
