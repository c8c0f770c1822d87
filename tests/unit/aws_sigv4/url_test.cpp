// URL parsing and URI encoding.
#include "aws/sigv4/sigv4.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace pullcred::aws {
namespace {

TEST(sigv4_url, ParsesComponents) {
    auto url = parse_url("HTTPS://Api.ECR.us-east-1.AmazonAWS.com:8443/a/B%2Fc?X=1&y#frag?not=query");
    ASSERT_TRUE(url.ok()) << url.error().message;
    EXPECT_EQ(url->scheme, "https");
    EXPECT_EQ(url->host, "api.ecr.us-east-1.amazonaws.com");
    ASSERT_TRUE(url->port.has_value());
    EXPECT_EQ(*url->port, 8443);
    EXPECT_EQ(url->path, "/a/B%2Fc");
    EXPECT_EQ(url->query, "X=1&y");
    EXPECT_EQ(url->host_header(), "api.ecr.us-east-1.amazonaws.com:8443");
}

TEST(sigv4_url, PathAndQueryMayBeAbsent) {
    auto bare = parse_url("https://example.com");
    ASSERT_TRUE(bare.ok());
    EXPECT_EQ(bare->path, "");
    EXPECT_EQ(bare->query, "");
    auto query_only = parse_url("https://example.com?a=b/c?d");
    ASSERT_TRUE(query_only.ok());
    EXPECT_EQ(query_only->path, "");
    EXPECT_EQ(query_only->query, "a=b/c?d");
    auto fragment_only = parse_url("https://example.com#x");
    ASSERT_TRUE(fragment_only.ok());
    EXPECT_EQ(fragment_only->path, "");
    EXPECT_EQ(fragment_only->query, "");
}

TEST(sigv4_url, HostHeaderOmitsOnlyTheDefaultPort) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"https://h.example/", "h.example"},
        {"https://h.example:443/", "h.example"},
        {"https://h.example:0443/", "h.example"},
        {"http://h.example:80/", "h.example"},
        {"http://h.example:443/", "h.example:443"},
        {"https://h.example:80/", "h.example:80"},
        {"http://localhost:4566/", "localhost:4566"},
        {"https://h.example:/", "h.example"},
        {"http://127.0.0.1:8080/", "127.0.0.1:8080"},
        {"https://[::1]/", "[::1]"},
        {"http://[FD00::A1]:8080/x", "[fd00::a1]:8080"},
        {"https://[::ffff:10.0.0.1]:443", "[::ffff:10.0.0.1]"},
    };
    for (const auto &[text, host] : cases) {
        auto url = parse_url(text);
        ASSERT_TRUE(url.ok()) << text << ": " << url.error().message;
        EXPECT_EQ(url->host_header(), host) << text;
    }
}

TEST(sigv4_url, RejectsMalformedUrls) {
    const std::vector<std::string> bad = {
        "",
        "example.com/path",
        "/just/a/path",
        "ftp://example.com/",
        "https:/example.com/",
        "https//example.com/",
        "://example.com/",
        "1http://example.com/",
        " https://example.com/",
        "https://",
        "https:///path",
        "https://?q",
        "https://:443/",
        "https://user:pass@example.com/",
        "https://@example.com/",
        "https://example.com:port/",
        "https://example.com:65536/",
        "https://example.com:99999999999999999999999/",
        "https://example.com:-1/",
        "https://example.com:+443/",
        "https://example.com:4 43/",
        "https://example.com:1:2/",
        "https://exa mple.com/",
        "https://exa%6Dple.com/",
        "https://example.com]/",
        "https://[::1/",
        "https://[]/",
        "https://[zz::1]/",
        "https://[127.0.0.1]/",
        "https://[::1%25eth0]/",
        "https://[::1]x/",
        "https://[::1]:x/",
        "https://example.com/a\nb",
        "https://example.com/a\rb",
        "https://example.com/a\tb",
        std::string("https://example.com/a\0b", 23),
        "https://example.com/\x7f",
        "https://example.com/?a=\x01",
    };
    for (const auto &text : bad) {
        auto url = parse_url(text);
        EXPECT_FALSE(url.ok()) << "accepted: " << text;
        if (!url.ok()) {
            EXPECT_FALSE(url.error().message.empty());
        }
    }
}

TEST(sigv4_url, ErrorsDoNotQuoteTheUrl) {
    auto url = parse_url("https://AKIDSECRETUSER:pa55w0rd-secret@example.com/");
    ASSERT_FALSE(url.ok());
    EXPECT_EQ(url.error().message.find("pa55w0rd"), std::string::npos);
    EXPECT_EQ(url.error().message.find("AKIDSECRETUSER"), std::string::npos);
}

// Random bytes and mutated URLs: parse_url and the signer must return,
// never crash (run under the asan preset to make this bite).
TEST(sigv4_url, SurvivesGarbage) {
    std::mt19937_64 rng(20261128);
    const std::string alphabet = "htps:/[]@?#%.:0123456789abcdefABCDEF-_~ \t\n\x01\xff\xc3\xa9&=";
    const std::vector<std::string> seeds = {"https://example.com/a/b?c=d#e", "http://[::1]:8080/x?y",
                                            "https://h:443//../.?&&=="};
    AwsCredentials credentials{"AKIDEXAMPLE", "secret", "token"};
    SigningScope scope{"service", "us-east-1", std::chrono::system_clock::time_point{}};
    std::size_t accepted = 0;
    for (int i = 0; i < 6000; ++i) {
        std::string text = seeds[rng() % seeds.size()];
        const auto edits = 1 + rng() % 6;
        for (std::uint64_t e = 0; e < edits; ++e) {
            const auto position = text.empty() ? 0 : rng() % (text.size() + 1);
            const char c = alphabet[rng() % alphabet.size()];
            switch (rng() % 3) {
            case 0:
                text.insert(text.begin() + static_cast<std::ptrdiff_t>(position), c);
                break;
            case 1:
                if (position < text.size()) text.erase(position, 1);
                break;
            default:
                if (position < text.size()) text[position] = c;
                break;
            }
        }
        auto url = parse_url(text);
        if (url.ok()) {
            ++accepted;
            (void)url->host_header();
        }
        HttpRequestToSign request{"GET", text, {{"X-H", text}}, text};
        auto signature = sign_sigv4(request, credentials, scope);
        EXPECT_EQ(signature.ok(), url.ok() && is_valid_header_value(text)) << text;
    }
    EXPECT_GT(accepted, 300u); // the mutations do not only produce rejects
}

TEST(sigv4_uri_encode, KeepsOnlyUnreservedCharacters) {
    EXPECT_EQ(uri_encode("AZaz09-_.~"), "AZaz09-_.~");
    EXPECT_EQ(uri_encode("a b+c"), "a%20b%2Bc");
    EXPECT_EQ(uri_encode("/x/y", SlashEncoding::encode), "%2Fx%2Fy");
    EXPECT_EQ(uri_encode("/x/y", SlashEncoding::keep), "/x/y");
    EXPECT_EQ(uri_encode("100%"), "100%25");
    EXPECT_EQ(uri_encode("!*'();:@&=$,?#[]"), "%21%2A%27%28%29%3B%3A%40%26%3D%24%2C%3F%23%5B%5D");
    EXPECT_EQ(uri_encode("caf\xc3\xa9"), "caf%C3%A9");
    EXPECT_EQ(uri_encode(std::string("\0\x7f\xff", 3)), "%00%7F%FF");
    EXPECT_EQ(uri_encode(""), "");
}

TEST(sigv4_uri_encode, EncodesQueryParameters) {
    EXPECT_EQ(encode_query({}), "");
    EXPECT_EQ(encode_query({{"profileArn", "arn:aws:rolesanywhere:us-east-1:123456789012:profile/p 1"},
                            {"empty", ""},
                            {"a+b", "x=y&z"}}),
              "profileArn=arn%3Aaws%3Arolesanywhere%3Aus-east-1%3A123456789012%3Aprofile%2Fp%201&empty=&"
              "a%2Bb=x%3Dy%26z");
}

} // namespace
} // namespace pullcred::aws
