// match_image / match_auth_key: kubelet's URLsMatchStr and keyring lookup.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "match/glob.hpp"
#include "match/image_ref.hpp"

namespace {

using pullcred::match::ImageRef;
using pullcred::match::match_auth_key;
using pullcred::match::match_image;
using pullcred::match::normalize_auth_key;

struct Case {
    std::string_view pattern;
    std::string_view image;
    bool match;
    std::string_view why;
};

void expect_cases(const std::vector<Case> &cases) {
    for (const auto &c : cases) {
        EXPECT_EQ(match_image(c.pattern, c.image), c.match)
            << "pattern \"" << c.pattern << "\" image \"" << c.image << "\" (" << c.why << ")";
        // Same answer through a pre-parsed image, whenever ImageRef accepts it.
        if (auto ref = ImageRef::parse(c.image); ref.ok()) {
            EXPECT_EQ(match_image(c.pattern, *ref), c.match)
                << "ImageRef: pattern \"" << c.pattern << "\" image \"" << c.image << "\" (" << c.why << ")";
            // The registry alone, parsed or not, and auth keys, parsed or not.
            EXPECT_EQ(pullcred::match::match_registry(c.pattern, *ref),
                      match_image(c.pattern, ref->registry()))
                << "registry: pattern \"" << c.pattern << "\" image \"" << c.image << "\"";
            EXPECT_EQ(match_auth_key(c.pattern, *ref), match_auth_key(c.pattern, c.image))
                << "auth key \"" << c.pattern << "\" image \"" << c.image << "\"";
        }
    }
}

// Every row of the table in /work/shared/reference/kubelet.md.
TEST(MatchImage, KubeletReferenceTable) {
    expect_cases({
        {"*.dkr.ecr.*.amazonaws.com", "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo/img", true, "yes"},
        {"*.dkr.ecr.*.amazonaws.com", "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/repo", false,
         "no (label count)"},
        {"*.dkr.ecr.*.amazonaws.com", "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/r", false, "no"},
        {"*.dkr.ecr*.*.amazonaws.com", "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/r", true, "yes"},
        {"*.amazonaws.com", "1234.dkr.ecr.us-east-1.amazonaws.com/r", false, "no"},
        {"*", "localhost/foo", true, "yes"},
        {"*", "docker.io/library/nginx", false, "no"},
        {"*.*", "docker.io/library/nginx", true, "yes"},
        {"registry.io:8080/path", "registry.io:8080/pathology/img", true, "yes (raw prefix)"},
        {"registry.io:8080/path", "registry.io/path/img", false, "no (port)"},
        {"registry.io", "registry.io:8080/img", false, "no (port)"},
        {"app*.k8s.io", "apps.k8s.io/x", true, "yes"},
        {"reg[a-z]stry.io", "registry.io/x", true, "yes"},
        {"REGISTRY.io", "registry.io/x", false, "no (case)"},
        {"*.io", ".io/x", true, "yes (empty label)"},
        {"[::1]:5000", "[::1]:5000/x", true, "yes"},
    });
}

// kubernetes pkg/credentialprovider/keyring_test.go, TestURLsMatch.
TEST(MatchImage, KubeletTestUrlsMatch) {
    expect_cases({
        // match when there is no path component
        {"*.kubernetes.io", "prefix.kubernetes.io", true, "no path"},
        {"prefix.*.io", "prefix.kubernetes.io", true, "no path"},
        {"prefix.kubernetes.*", "prefix.kubernetes.io", true, "no path"},
        {"*-good.kubernetes.io", "prefix-good.kubernetes.io", true, "no path"},
        // match with path components
        {"*.kubernetes.io/blah", "prefix.kubernetes.io/blah", true, "path"},
        {"prefix.*.io/foo", "prefix.kubernetes.io/foo/bar", true, "path"},
        // match with path components and ports
        {"*.kubernetes.io:1111/blah", "prefix.kubernetes.io:1111/blah", true, "path and port"},
        {"prefix.*.io:1111/foo", "prefix.kubernetes.io:1111/foo/bar", true, "path and port"},
        // no match when number of parts mismatch
        {"*.kubernetes.io", "kubernetes.io", false, "part count"},
        {"*.*.kubernetes.io", "prefix.kubernetes.io", false, "part count"},
        {"*.*.kubernetes.io", "kubernetes.io", false, "part count"},
        // no match when some parts mismatch
        {"kubernetes.io", "kubernetes.com", false, "part mismatch"},
        {"k*.io", "quay.io", false, "part mismatch"},
        // no match when ports mismatch
        {"*.kubernetes.io:1234/blah", "prefix.kubernetes.io:1111/blah", false, "port mismatch"},
        {"prefix.*.io/foo", "prefix.kubernetes.io:1111/foo/bar", false, "port mismatch"},
    });
}

// kubernetes pkg/credentialprovider/plugin/plugin_test.go, matchImages of Test_ProvideWithCoordinates.
TEST(MatchImage, KubeletPluginTestMatchImages) {
    expect_cases({
        {"test.registry.io", "test.registry.io/foo/bar", true, "exact image match, Registry cache key"},
        {"test.registry.io/foo/bar", "test.registry.io/foo/bar", true, "exact image match, Image cache key"},
        {"test.registry.io", "test.registry.io", true, "exact image match, Global cache key"},
        {"*.registry.io:8080", "test.registry.io:8080/foo", true, "wild card, Registry cache key"},
        {"*.*.registry.io", "foo.bar.registry.io/foo/bar", true, "wild card, Image cache key"},
        {"*.registry.io", "test.registry.io", true, "wild card, Global cache key"},
    });
}

TEST(MatchImage, Ipv6Literals) {
    expect_cases({
        {"[::1]:5000", "[::1]:5000/x", true, "literal with port: labels \"::1\" compare equal"},
        {"[::1]:5000", "[::1]:5001/x", false, "different port"},
        {"[::1]:5000", "[::2]:5000/x", false, "different address"},
        {"[::1]:5000", "[0:0:0:0:0:0:0:1]:5000/x", false, "compared as text, not as addresses"},
        {"[::1]:5000", "[::1]/x", false, "port vs no port"},
        {"[::1]", "[::1]/x", false, "no port: SplitHostPort fails and \"[::1]\" is a glob class"},
        {"[::1]", "[::1]", false, "no port: never matches itself"},
        {"[::1]", "1/x", true, "no port: the class [::1] matches the one-letter host \"1\""},
        {"[2001:db8::1]:443", "[2001:db8::1]:443/team/app", true, "documentation address"},
        {"[::ffff:1.2.3.4]:5000", "[::ffff:1.2.3.4]:5000/x", true, "IPv4-mapped is a valid IPv6 literal"},
        {"[fe80::1%25eth0]:5000", "[fe80::1%25eth0]:5000/x", true, "zone, %25-escaped on both sides"},
        {"[1.2.3.4]:5000", "[1.2.3.4]:5000/x", false, "IPv4 in brackets: Go rejects the URL"},
        {"[::1", "[::1/x", false, "missing ']'"},
        {"[::1]x", "[::1]x/y", false, "garbage after ']'"},
        {"[::1]:50a0", "[::1]:50a0/x", false, "non-numeric port"},
        {"[::1]:5000", "[::1]:5000:/x", false, "two colons after the literal"},
        {"[hello]:5000", "[hello]:5000/x", false, "not an address"},
        {"[::1]:", "[::1]:/x", true, "empty port equals empty port"},
        {"[::1]:", "[::1]/x", false, "\"[::1]:\" splits to host ::1, \"[::1]\" does not"},
    });
}

TEST(MatchImage, Ports) {
    expect_cases({
        {"registry.io:5000", "registry.io:5000/x", true, "same port"},
        {"registry.io:5000", "registry.io:05000/x", false, "ports compare as strings"},
        {"registry.io:5000", "registry.io/x", false, "port vs none"},
        {"registry.io:", "registry.io/x", true, "empty port is no port"},
        {"registry.io", "registry.io:/x", true, "empty port is no port (image side)"},
        {"registry.io:*", "registry.io:5000/x", false, "glob in port: Go rejects the URL"},
        {"registry.io:50*", "registry.io:5000/x", false, "glob in port"},
        {"*:5000", "localhost:5000/x", true, "glob host, literal port"},
        {"*", "localhost:5000/x", false, "port must match too"},
        {"a:1:2", "a:1:2/x", false, "two colons: Go >= 1.26 rejects the host"},
        {"registry.io:5000", "registry.io:5000/repo:tag", true, "tag is in the path, not the port"},
    });
}

TEST(MatchImage, LabelsAndGlobs) {
    expect_cases({
        {"*.io", "registry.io/x", true, "star label"},
        {"*.io", "a.b.io/x", false, "star never spans a dot"},
        {"*.io", ".io/x", true, "empty first label"},
        {"registry..io", "registry..io/x", true, "empty middle label"},
        {"registry..io", "registry.x.io/x", false, "empty label only matches empty"},
        {"*", "/x", true, "an empty host is one empty label"},
        {"*", "", true, "empty image: empty host, empty path"},
        {"", "registry.io/x", false, "empty pattern has one empty label"},
        {"", "", true, "empty against empty"},
        {"*registry*", "my-registry-1/x", true, "stars around"},
        {"reg*stry*.io", "registry.io/x", true, "several stars in one label"},
        {"reg[a-z]stry.io", "reg1stry.io/x", false, "class does not contain a digit"},
        {"reg[a-z0-9]stry.io", "reg1stry.io/x", true, "two ranges"},
        {"reg[!a]stry.io", "reg!stry.io/x", true, "'!' is a literal inside a Go class"},
        {"reg[!a]stry.io", "registry.io/x", false, "\"[!a]\" is not negation"},
        {"reg[^a]stry.io", "regbstry.io/x", false, "'^' is rejected by Go's URL parser in a host"},
        {"reg\\istry.io", "registry.io/x", false, "'\\' is rejected by Go's URL parser in a host"},
        {"reg%5Cistry.io", "registry.io/x", false, "an escaped ASCII byte is rejected in a host"},
        {"reg[.io", "reg[.io/x", false, "unbalanced '[' is a bad pattern"},
        {"reg[a-].io", "rega.io/x", false, "range without end is a bad pattern"},
        {"reg[]a].io", "rega.io/x", false, "\"[]\" is a bad pattern"},
        {"a.reg[", "a.rega/x", false, "bad glob in a later label"},
        {"b.reg[", "a.rega/x", false, "bad glob after a mismatching label"},
        {"[a-z]egistry.io", "registry.io/x", false, "a leading '[' is an IPv6 literal to Go's URL parser"},
        {"reg[a-z].io:5000", "rega.io:5000/x", false, "class with port: SplitHostPort rejects '['"},
        {"reg]x.io", "reg]x.io/x", true, "']' outside a class is a literal"},
        {"reg?stry.io", "registry.io/x", false, "'?' starts a query: the pattern is \"reg\""},
        {"reg?stry.io", "reg/x", true, "'?' starts a query: the pattern is \"reg\""},
        {"registry.io#frag", "registry.io/x", true, "fragment is dropped"},
        {"registry.io", "registry.io/x#frag", true, "fragment is dropped (image)"},
        {"registry.io", "registry.io/x#%zz", false, "a malformed fragment fails the whole URL"},
        {"registry.io", "user@registry.io/x", true, "userinfo is not part of the host"},
        {"registry.io", "us er@registry.io/x", false, "invalid userinfo"},
    });
}

TEST(MatchImage, PathPrefix) {
    expect_cases({
        {"registry.io/team", "registry.io/team/app", true, "prefix"},
        {"registry.io/team", "registry.io/teamster/app", true, "raw prefix, not per segment"},
        {"registry.io/team", "registry.io/team", true, "equal paths"},
        {"registry.io/team", "registry.io/tea", false, "shorter image path"},
        {"registry.io/team", "registry.io", false, "no image path"},
        {"registry.io/team/", "registry.io/team/app", true, "trailing slash"},
        {"registry.io/team/", "registry.io/team", false, "trailing slash needs the slash"},
        {"registry.io/team/", "registry.io/teamster/app", false, "trailing slash stops raw prefix"},
        {"registry.io/", "registry.io/x", true, "bare slash"},
        {"registry.io/", "registry.io", false, "bare slash needs a path"},
        {"registry.io/*", "registry.io/x", false, "globs in the path are literal"},
        {"registry.io/*", "registry.io/*", true, "globs in the path are literal"},
        {"registry.io/Team", "registry.io/team/app", false, "path is case-sensitive"},
        {"registry.io/te%61m", "registry.io/team/app", true, "path is compared after %-decoding"},
        {"registry.io/team", "registry.io/te%61m/app", true, "path is compared after %-decoding (image)"},
        {"registry.io/%zz", "registry.io/%zz", false, "malformed escape in the path"},
        {"registry.io/a", "registry.io/a?x=1", true, "query is dropped"},
        {"registry.io/a b", "registry.io/a b/c", true, "Go accepts a space in the path"},
        {"registry.io", "registry.io/a\x01", false, "control character"},
        {"registry.io", "registry.io/a\x7f", false, "DEL"},
        {"registry.io", "registry.io/x#\x01", true, "Go checks control characters before '#' only"},
    });
}

TEST(MatchImage, CaseAndNonAscii) {
    expect_cases({
        {"Registry.IO", "Registry.IO/x", true, "same case"},
        {"*.IO", "registry.io/x", false, "case-sensitive"},
        {"*.io", "REGISTRY.io/x", true, "star takes any case"},
        {"r\xc3\xa9g.io", "r\xc3\xa9g.io/x", true, "UTF-8 host bytes"},
        {"r%C3%A9g.io", "r\xc3\xa9g.io/x", true, "%-escaped non-ASCII host equals raw bytes"},
        {"r\xc3\xa9g.io", "r%c3%a9g.io/x", true, "lower-case escapes too"},
        {"r[\xc3\xa0-\xc3\xaa]g.io", "r\xc3\xa9g.io/x", true, "classes range over runes"},
        {"r?g.io", "r\xc3\xa9g.io/x", false, "'?' is a query"},
        {"r*g.io", "r\xc3\xa9g.io/x", true, "star over UTF-8"},
        {"\xff.io", "\xff.io/x", true, "invalid UTF-8 bytes are allowed raw in a Go host"},
        {"%41.io", "A.io/x", false, "escaped ASCII in a host is rejected"},
        {"a%25b.io", "a%25b.io/x", true, "%25 is allowed in a host and decodes to '%'"},
        {"a%25b.io", "a%b.io/x", false, "raw '%' is a bad escape"},
    });
}

TEST(MatchImage, TagAndDigestStayInThePath) {
    const std::string digest = "sha256:" + std::string(64, 'a');
    expect_cases({
        {"registry.io/repo", "registry.io/repo:v1", true, "tag after a matching prefix"},
        {"registry.io/repo:v1", "registry.io/repo:v1", true, "tag in pattern and image"},
        {"registry.io/repo:v1", "registry.io/repo:v2", false, "different tag"},
        {"registry.io/repo:v1", "registry.io/repo", false, "kubelet does not strip tags"},
        {"registry.io/repo", "registry.io/repo@" + digest, true, "digest after a matching prefix"},
        {"registry.io:5000", "registry.io:5000/repo:tag@" + digest, true, "tag and digest"},
    });
}

TEST(MatchImage, SchemePrefix) {
    expect_cases({
        {"https://registry.io", "registry.io/x", false, "matchImages are not stripped: host is \"https:\""},
        {"https://registry.io", "https://registry.io/x", true, "both read as host \"https:\" path \"//...\""},
        {"https://registry.io", "https://other.io/x", false, "path \"//registry.io\" vs \"//other.io/x\""},
        {"registry.io", "https://registry.io/x", false, "image with a scheme has host \"https:\""},
        {"https", "https://registry.io/x", true, "... which the pattern \"https\" matches"},
    });
}

TEST(MatchImage, VeryLongInput) {
    const std::string label(100000, 'a');
    const std::string image = label + ".io/" + std::string(100000, 'p');
    EXPECT_TRUE(match_image("*.io", image));
    EXPECT_TRUE(match_image("a*a.io/ppp", image));
    EXPECT_FALSE(match_image("*a*a*a*a*a*b.io", image));
    EXPECT_FALSE(match_image("*.*.io", image));
    EXPECT_TRUE(match_image(image, image));
    EXPECT_FALSE(ImageRef::parse(image).ok()); // ImageRef caps the length, matching does not
}

// keyring_test.go TestDockerKeyringForGlob: each key finds target + "/foo/bar".
TEST(MatchAuthKey, KubeletDockerKeyringForGlob) {
    const std::vector<std::pair<std::string_view, std::string_view>> cases = {
        {"https://hello.kubernetes.io", "hello.kubernetes.io"},
        {"https://*.docker.io", "prefix.docker.io"},
        {"https://prefix.*.io", "prefix.docker.io"},
        {"https://prefix.docker.*", "prefix.docker.io"},
        {"https://*.docker.io/path", "prefix.docker.io/path"},
        {"https://prefix.*.io/path", "prefix.docker.io/path/subpath"},
        {"https://prefix.docker.*/path", "prefix.docker.io/path"},
        {"https://*.docker.io:8888", "prefix.docker.io:8888"},
        {"https://prefix.*.io:8888", "prefix.docker.io:8888"},
        {"https://prefix.docker.*:8888", "prefix.docker.io:8888"},
        {"https://*.docker.io/path:1111", "prefix.docker.io/path:1111"},
        {"https://*.docker.io/v1/", "prefix.docker.io/path:1111"},
        {"https://*.docker.io/v2/", "prefix.docker.io/path:1111"},
        {"https://prefix.docker.*/path:1111", "prefix.docker.io/path:1111"},
        {"prefix.docker.io:1111", "prefix.docker.io:1111/path"},
        {"*.docker.io:1111", "prefix.docker.io:1111/path"},
    };
    for (const auto &[key, target] : cases)
        EXPECT_TRUE(match_auth_key(key, std::string(target) + "/foo/bar")) << key << " vs " << target;
}

// keyring_test.go TestKeyringMiss: no key finds lookup + "/foo/bar".
TEST(MatchAuthKey, KubeletKeyringMiss) {
    const std::vector<std::pair<std::string_view, std::string_view>> cases = {
        {"https://hello.kubernetes.io", "world.mesos.org/foo/bar"},
        {"https://*.docker.com", "prefix.docker.io"},
        {"https://suffix.*.io", "prefix.docker.io"},
        {"https://prefix.docker.c*", "prefix.docker.io"},
        {"https://prefix.*.io/path:1111", "prefix.docker.io/path/subpath:1111"},
        {"suffix.*.io", "prefix.docker.io"},
    };
    for (const auto &[key, lookup] : cases)
        EXPECT_FALSE(match_auth_key(key, std::string(lookup) + "/foo/bar")) << key << " vs " << lookup;
}

// keyring_test.go TestDockerKeyringLookup and TestIssue3797.
TEST(MatchAuthKey, KubeletKeyringLookupAndIssue3797) {
    struct Lookup {
        std::string_view image;
        bool pong;
        bool bare;
    };
    const Lookup lookups[] = {
        {"bar.example.com", false, true},          // direct match
        {"bar.example.com/pong", true, true},      // direct match deeper than other possible matches
        {"bar.example.com/ping", false, true},     // no direct match, deeper path ignored
        {"bar.example.com/pongz", true, true},     // match first part of path token
        {"bar.example.com/pong/pang", true, true}, // match regardless of sub-path
        {"example.com", false, false},             // no host match
        {"foo.example.com", false, false},         //
    };
    for (const auto &l : lookups) {
        EXPECT_EQ(match_auth_key("bar.example.com/pong", l.image), l.pong) << l.image;
        EXPECT_EQ(match_auth_key("bar.example.com", l.image), l.bare) << l.image;
    }
    for (const auto image : {"quay.io", "quay.io/foo", "quay.io/foo/bar"})
        EXPECT_TRUE(match_auth_key("https://quay.io/v1/", image)) << image;
}

TEST(MatchAuthKey, Normalisation) {
    const auto normalized = [](std::string_view key) {
        auto r = normalize_auth_key(key);
        return r.ok() ? *r : "error: " + r.error().message;
    };
    EXPECT_EQ(normalized("https://quay.io/v1/"), "quay.io");
    EXPECT_EQ(normalized("https://quay.io/v2/"), "quay.io");
    EXPECT_EQ(normalized("https://quay.io/v2/team"), "quay.io/team");
    EXPECT_EQ(normalized("quay.io/v1"), "quay.io/v1"); // only "/v1/" with the slash
    EXPECT_EQ(normalized("http://quay.io/"), "quay.io");
    EXPECT_EQ(normalized("quay.io:443/team/"), "quay.io:443/team/");
    EXPECT_EQ(normalized("*.dkr.ecr.*.amazonaws.com"), "*.dkr.ecr.*.amazonaws.com");
    EXPECT_EQ(normalized("r%C3%A9g.io/te%61m"), "r\xc3\xa9g.io/team"); // Host and Path are decoded
    EXPECT_EQ(normalized("HTTPS://quay.io"), "HTTPS://quay.io");       // prefix test is case-sensitive
    EXPECT_NE(normalized("quay.io:abc").find("invalid port"), std::string::npos);

    EXPECT_TRUE(match_auth_key("http://registry.io", "registry.io/x"));
    EXPECT_TRUE(match_auth_key("https://registry.io", "registry.io/x"));
    EXPECT_FALSE(match_auth_key("HTTPS://registry.io", "registry.io/x"));
    EXPECT_FALSE(match_auth_key("ftp://registry.io", "registry.io/x"));
    EXPECT_FALSE(match_auth_key("a%25b.io", "a%25b.io/x")); // decoded "a%b.io" no longer parses
}

} // namespace
