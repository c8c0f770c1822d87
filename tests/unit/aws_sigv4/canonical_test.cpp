// Canonical URI, query, header values and canonical request assembly.
#include "aws/sigv4/sigv4.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace pullcred::aws {
namespace {

constexpr const char *kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(sigv4_canonical, UriNormalisesAndEncodesTwice) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"", "/"},
        {"/", "/"},
        {"//", "/"},
        {"/a//b///c", "/a/b/c"},
        {"/a/b/", "/a/b/"},
        {"/./", "/"},
        {"/..", "/"},
        {"/../..", "/"},
        {"/a/..", "/"},
        {"/a/../", "/"},
        {"/a/./b/../c", "/a/c"},
        {"/a/b/../../..//c/", "/c/"},
        {"/a/.b/..c/...", "/a/.b/..c/..."},
        {"/with space", "/with%20space"},
        {"/a+b", "/a%2Bb"},
        {"/~user/-_.", "/~user/-_."},
        {"/%", "/%25"},
        {"/%2F/%20", "/%252F/%2520"},
        {"/%2e%2e/x", "/%252e%252e/x"},
        {"/caf\xc3\xa9/\xe6\x97\xa5", "/caf%C3%A9/%E6%97%A5"},
        {"/a:b@c;d=e,f!$&'()*", "/a%3Ab%40c%3Bd%3De%2Cf%21%24%26%27%28%29%2A"},
    };
    for (const auto &[path, expected] : cases) EXPECT_EQ(canonical_uri(path), expected) << path;
}

TEST(sigv4_canonical, QuerySortsByKeyThenValue) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"", ""},
        {"a=1", "a=1"},
        {"b=2&a=1", "a=1&b=2"},
        {"a=2&a=10&a=1", "a=1&a=10&a=2"},
        {"a=1&B=2&_=3&~=4&-=5", "-=5&B=2&_=3&a=1&~=4"},
        {"a", "a="},
        {"a=", "a="},
        {"b&a=", "a=&b="},
        {"&", "=&="},
        {"a=1&&b=2", "=&a=1&b=2"},
        {"=v", "=v"},
        {"a=b=c", "a=b=c"},
        {"k=a%20b&k=a+b", "k=a%20b&k=a+b"},
        {"x%2Fy=1&x/y=2", "x%2Fy=1&x/y=2"},
        {"ab=1&a=2", "a=2&ab=1"},
        {"a\xc3\xa9=1&a~=2&az=3", "az=3&a~=2&a\xc3\xa9=1"},
    };
    for (const auto &[query, expected] : cases) EXPECT_EQ(canonical_query_string(query), expected) << query;
}

TEST(sigv4_canonical, HeaderValuesAreTrimmedAndCollapsed) {
    EXPECT_EQ(canonical_header_value(""), "");
    EXPECT_EQ(canonical_header_value("   "), "");
    EXPECT_EQ(canonical_header_value("value"), "value");
    EXPECT_EQ(canonical_header_value("  a   b  c "), "a b c");
    EXPECT_EQ(canonical_header_value("\ta\t \tb\t"), "a b");
    EXPECT_EQ(canonical_header_value("\"a   b\""), "\"a b\""); // quotes do not protect spaces
    EXPECT_EQ(canonical_header_value("a\xc2\xa0\xc2\xa0"
                                     "b"),
              "a b"); // U+00A0, as Python's str.split()
    EXPECT_EQ(canonical_header_value("\xe3\x80\x80x\xe2\x80\x83y"), "x y");
    EXPECT_EQ(canonical_header_value("caf\xc3\xa9  \xc3\xa9t\xc3\xa9"), "caf\xc3\xa9 \xc3\xa9t\xc3\xa9");
}

TEST(sigv4_canonical, HeaderNameAndValueRules) {
    EXPECT_TRUE(is_valid_header_name("X-Amz-Target"));
    EXPECT_TRUE(is_valid_header_name("a!#$%&'*+-.^_`|~9"));
    EXPECT_FALSE(is_valid_header_name(""));
    EXPECT_FALSE(is_valid_header_name("X Amz"));
    EXPECT_FALSE(is_valid_header_name("X-Amz:"));
    EXPECT_FALSE(is_valid_header_name("caf\xc3\xa9"));
    EXPECT_TRUE(is_valid_header_value(" a\tb \xc3\xa9 "));
    EXPECT_FALSE(is_valid_header_value("a\r\nX-Injected: 1"));
    EXPECT_FALSE(is_valid_header_value("a\nb"));
    EXPECT_FALSE(is_valid_header_value(std::string("a\0b", 3)));
    EXPECT_FALSE(is_valid_header_value("a\x7f"));
}

HttpRequestToSign sample_request() {
    return HttpRequestToSign{
        "post",
        "https://API.ecr.us-east-1.amazonaws.com/",
        {{"Content-Type", "application/x-amz-json-1.1"},
         {"X-Amz-Target", "  AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken "},
         {"User-Agent", "pullcred/0.1"},
         {"x-custom", " one "},
         {"X-CUSTOM", "two  words"},
         {"Expect", "100-continue"},
         {"X-Amzn-Trace-Id", "Root=1"},
         {"Authorization", "stale"}},
        "{}"};
}

TEST(sigv4_canonical, AllHeadersLikeBotocore) {
    auto canonical = build_canonical_request(sample_request(), SignedHeaderSelection::all_headers());
    ASSERT_TRUE(canonical.ok()) << canonical.error().message;
    EXPECT_EQ(canonical->signed_headers, "content-type;host;x-amz-target;x-custom");
    EXPECT_EQ(canonical->payload_hash, "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    EXPECT_EQ(canonical->text, "POST\n/\n\n"
                               "content-type:application/x-amz-json-1.1\n"
                               "host:api.ecr.us-east-1.amazonaws.com\n"
                               "x-amz-target:AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken\n"
                               "x-custom:one,two words\n"
                               "\n"
                               "content-type;host;x-amz-target;x-custom\n"
                               "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
}

TEST(sigv4_canonical, ExplicitSelection) {
    auto canonical = build_canonical_request(
        sample_request(), SignedHeaderSelection::exactly({"X-Amz-Target", "host", "HOST", "user-agent"}));
    ASSERT_TRUE(canonical.ok()) << canonical.error().message;
    EXPECT_EQ(canonical->signed_headers, "host;user-agent;x-amz-target");
    EXPECT_NE(canonical->text.find("\nuser-agent:pullcred/0.1\n"), std::string::npos);
    EXPECT_EQ(canonical->text.find("content-type"), std::string::npos);

    auto missing =
        build_canonical_request(sample_request(), SignedHeaderSelection::exactly({"host", "x-amz-x509"}));
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message.find("x-amz-x509"), std::string::npos);

    auto bad_name =
        build_canonical_request(sample_request(), SignedHeaderSelection::exactly({"host", "a b"}));
    EXPECT_FALSE(bad_name.ok());
}

TEST(sigv4_canonical, ExplicitHostHeaderWins) {
    HttpRequestToSign request{"GET", "https://example.com:8443/", {{"HOST", "  Other.Example  "}}, ""};
    auto canonical = build_canonical_request(request, SignedHeaderSelection::all_headers());
    ASSERT_TRUE(canonical.ok());
    EXPECT_EQ(canonical->text, std::string("GET\n/\n\nhost:Other.Example\n\nhost\n") + kEmptySha256);
}

TEST(sigv4_canonical, DeclaredPayloadHashIsUsedVerbatim) {
    HttpRequestToSign request{
        "PUT", "https://example.com/", {{"x-amz-content-sha256", "UNSIGNED-PAYLOAD"}}, "x"};
    auto canonical = build_canonical_request(request, SignedHeaderSelection::all_headers());
    ASSERT_TRUE(canonical.ok());
    EXPECT_EQ(canonical->payload_hash, "UNSIGNED-PAYLOAD");
    EXPECT_TRUE(canonical->text.ends_with("\nUNSIGNED-PAYLOAD"));
}

TEST(sigv4_canonical, BinaryBodyHash) {
    HttpRequestToSign request{"POST", "https://example.com/", {}, std::string("\0\xff\n", 3)};
    auto canonical = build_canonical_request(request, SignedHeaderSelection::all_headers());
    ASSERT_TRUE(canonical.ok());
    auto expected = sha256_hex(request.body);
    ASSERT_TRUE(expected.ok());
    EXPECT_EQ(canonical->payload_hash, *expected);
    EXPECT_EQ(expected->size(), 64u);
    EXPECT_NE(*expected, kEmptySha256);
}

TEST(sigv4_canonical, RejectsBadMethodHeadersAndUrls) {
    auto with = [](HttpRequestToSign request) {
        return build_canonical_request(request, SignedHeaderSelection::all_headers()).ok();
    };
    EXPECT_TRUE(with({"GET", "https://example.com/", {}, ""}));
    EXPECT_FALSE(with({"", "https://example.com/", {}, ""}));
    EXPECT_FALSE(with({"GE T", "https://example.com/", {}, ""}));
    EXPECT_FALSE(with({"GET\n", "https://example.com/", {}, ""}));
    EXPECT_FALSE(with({"GET", "https://example.com/", {{"X-A", "b\r\nX-Evil: 1"}}, ""}));
    EXPECT_FALSE(with({"GET", "https://example.com/", {{"X A", "b"}}, ""}));
    EXPECT_FALSE(with({"GET", "https://example.com/", {{"", "b"}}, ""}));
    EXPECT_FALSE(with({"GET", "example.com/", {}, ""}));
}

} // namespace
} // namespace pullcred::aws
