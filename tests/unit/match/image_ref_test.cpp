#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

#include "match/image_ref.hpp"

namespace {

using pullcred::match::ImageRef;
using pullcred::match::kMaxImageRefLength;
using pullcred::match::parse_image_ref;
namespace detail = pullcred::match::detail;

const std::string kDigest = "sha256:" + std::string(64, 'f');

struct Parts {
    std::string_view registry, host, port, path, repository, tag, digest;
};

void expect_parts(std::string_view image, const Parts &want) {
    auto ref = ImageRef::parse(image);
    ASSERT_TRUE(ref.ok()) << image << ": " << ref.error().message;
    EXPECT_EQ(ref->text(), image);
    EXPECT_EQ(ref->registry(), want.registry) << image;
    EXPECT_EQ(ref->host(), want.host) << image;
    EXPECT_EQ(ref->port(), want.port) << image;
    EXPECT_EQ(ref->path(), want.path) << image;
    EXPECT_EQ(ref->repository(), want.repository) << image;
    EXPECT_EQ(ref->tag(), want.tag) << image;
    EXPECT_EQ(ref->digest(), want.digest) << image;
}

TEST(ImageRef, KubeletShapes) {
    expect_parts("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app",
                 {"123456789012.dkr.ecr.us-east-1.amazonaws.com",
                  "123456789012.dkr.ecr.us-east-1.amazonaws.com", "", "/team/app", "team/app", "", ""});
    expect_parts("docker.io/library/nginx",
                 {"docker.io", "docker.io", "", "/library/nginx", "library/nginx", "", ""});
    expect_parts("public.ecr.aws/eks-distro/kubernetes/pause",
                 {"public.ecr.aws", "public.ecr.aws", "", "/eks-distro/kubernetes/pause",
                  "eks-distro/kubernetes/pause", "", ""});
    expect_parts("test.registry.io", {"test.registry.io", "test.registry.io", "", "", "", "", ""});
    expect_parts("registry.io:5000", {"registry.io:5000", "registry.io", "5000", "", "", "", ""});
    expect_parts("Registry.IO/Team_1/app.v2-x",
                 {"Registry.IO", "Registry.IO", "", "/Team_1/app.v2-x", "Team_1/app.v2-x", "", ""});
}

TEST(ImageRef, TagAndDigestAreSplitOffButStayInThePath) {
    expect_parts("localhost:5000/foo/bar:v1",
                 {"localhost:5000", "localhost", "5000", "/foo/bar:v1", "foo/bar", "v1", ""});
    expect_parts("registry.io/repo@" + kDigest,
                 {"registry.io", "registry.io", "", "/repo@" + kDigest, "repo", "", kDigest});
    expect_parts("registry.io:443/a/b:1.2.3@" + kDigest,
                 {"registry.io:443", "registry.io", "443", "/a/b:1.2.3@" + kDigest, "a/b", "1.2.3", kDigest});
    expect_parts("registry.io/repo@sha512:" + std::string(128, '0'),
                 {"registry.io", "registry.io", "", "/repo@sha512:" + std::string(128, '0'), "repo", "",
                  "sha512:" + std::string(128, '0')});
    expect_parts("registry.io/repo@multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8",
                 {"registry.io", "registry.io", "",
                  "/repo@multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8", "repo", "",
                  "multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8"});
    // ':' before the last '/' is the port, not a tag
    expect_parts("registry.io:5000/repo",
                 {"registry.io:5000", "registry.io", "5000", "/repo", "repo", "", ""});
}

TEST(ImageRef, Ipv6) {
    expect_parts("[::1]:5000/x", {"[::1]:5000", "::1", "5000", "/x", "x", "", ""});
    expect_parts("[2001:db8::1]:443/team/app:v1",
                 {"[2001:db8::1]:443", "2001:db8::1", "443", "/team/app:v1", "team/app", "v1", ""});
    // Without a port kubelet's SplitHostPort fails and keeps the brackets.
    expect_parts("[::1]/x", {"[::1]", "[::1]", "", "/x", "x", "", ""});
    expect_parts("[::ffff:10.0.0.1]:5000/x",
                 {"[::ffff:10.0.0.1]:5000", "::ffff:10.0.0.1", "5000", "/x", "x", "", ""});
}

TEST(ImageRef, LengthLimit) {
    const std::string max = "registry.io/" + std::string(kMaxImageRefLength - 12, 'a');
    ASSERT_EQ(max.size(), kMaxImageRefLength);
    EXPECT_TRUE(ImageRef::parse(max).ok());
    auto over = ImageRef::parse(max + "a");
    ASSERT_FALSE(over.ok());
    EXPECT_NE(over.error().message.find("4097 bytes"), std::string::npos) << over.error().message;
}

TEST(ImageRef, CopiesAndMovesKeepTheirViews) {
    std::optional<ImageRef> original = *ImageRef::parse("r.io:1/a/b:t"); // short: lives in the SSO buffer
    ImageRef copy = *original;
    ImageRef moved = std::move(*original);
    original.reset();
    for (const ImageRef *ref : {&copy, &moved}) {
        EXPECT_EQ(ref->registry(), "r.io:1");
        EXPECT_EQ(ref->host(), "r.io");
        EXPECT_EQ(ref->port(), "1");
        EXPECT_EQ(ref->repository(), "a/b");
        EXPECT_EQ(ref->tag(), "t");
        EXPECT_EQ(ref->path(), "/a/b:t");
    }
}

struct Bad {
    std::string image;
    std::string_view says; // part of the error message
};

TEST(ImageRef, Malformed) {
    const Bad cases[] = {
        {"", "empty"},
        {" ", "a space at offset 0"},
        {"registry.io/a b", "a space at offset 13"},
        {"registry.io/a\tb", "control character 0x09"},
        {"registry.io/a\x01", "control character 0x01"},
        {"registry.io/a\x7f", "control character 0x7f"},
        {std::string("registry.io/a\0b", 15), "control character 0x00"},
        {"r\xc3\xa9g.io/x", "non-ASCII byte 0xc3"},
        {"registry.io/x?y", "character '?'"},
        {"registry.io/x#y", "character '#'"},
        {"registry.io/%41", "character '%'"},
        {"registry.io/a\\b", "character '\\'"},
        {"registry.io/*", "character '*'"},
        {"https://registry.io/x", "URL scheme"},
        {"user@registry.io/x", "'@' in the registry"},
        {"nginx@" + kDigest, "'@' in the registry"},
        {"/x", "empty registry"},
        {"[::1/x", "missing ']'"},
        {"[::1]x/y", "invalid port"},
        {"[1.2.3.4]:5000/x", "invalid IP-literal"},
        {"[hello]:5000/x", "invalid host"},
        {"[::1]:5000:1/x", "invalid port"},
        {"[]/x", "invalid host"},
        {"reg[a].io/x", "'[' at offset 3"},
        {"registry.io/x[1]", "'[' at offset 13"},
        {"reg]a.io/x", "']' at offset 3"},
        {"registry.io:abc/x", "invalid port \":abc\" after host"},
        {"nginx:1.2", "invalid port"},
        {"a:1:2/x", "invalid port"},
        {"registry.io:/x", "empty port"},
        {":5000/x", "empty host"},
        {"reg+x.io/x", "character '+'"},
        {"registry.io/", "empty repository"},
        {"registry.io//x", "empty path segment"},
        {"registry.io/x/", "empty path segment"},
        {"registry.io/a:b/c", "':' in repository"},
        {"registry.io/x:", "empty tag"},
        {"registry.io/x:-v1", "malformed tag"},
        {"registry.io/x:" + std::string(129, 't'), "longer than 128"},
        {"registry.io/x@", "malformed digest"},
        {"registry.io/x@sha256", "malformed digest"},
        {"registry.io/x@sha256:abc", "wrong length"},
        {"registry.io/x@sha256:" + std::string(64, 'F'), "lowercase hex"},
        {"registry.io/x@SHA256:" + std::string(64, 'f'), "bad algorithm"},
        {"registry.io/x@" + kDigest + "@" + kDigest, "malformed digest"},
        {"registry.io/@" + kDigest, "empty repository"},
        {"registry.io/x+y", "repository may only contain"},
    };
    for (const auto &c : cases) {
        auto ref = parse_image_ref(c.image);
        ASSERT_FALSE(ref.ok()) << "accepted: " << c.image;
        EXPECT_NE(ref.error().message.find(c.says), std::string::npos)
            << c.image << " -> " << ref.error().message << " (want \"" << c.says << "\")";
    }
}

TEST(GoUrl, ParseMatchesGoNetUrl) {
    struct Want {
        std::string_view text;
        bool ok;
        std::string_view host, path;
    };
    const Want cases[] = {
        {"registry.io/a/b", true, "registry.io", "/a/b"},
        {"registry.io", true, "registry.io", ""},
        {"registry.io:", true, "registry.io:", ""},
        {"user:pw@registry.io/x", true, "registry.io", "/x"},
        {"a@b@registry.io/x", true, "registry.io", "/x"}, // userinfo runs to the last '@'
        {"registry.io/x?q=1#f", true, "registry.io", "/x"},
        {"registry.io?x/y", true, "registry.io", ""}, // the query starts before the first '/'
        {"r%C3%A9g.io/te%2Fam", true, "r\xc3\xa9g.io", "/te/am"},
        {"[fe80::1%25en0]:80/x", true, "[fe80::1%en0]:80", "/x"},
        {"[fe80::1%25%65n0]", true, "[fe80::1%en0]", ""},
        {"[::1]", true, "[::1]", ""},
        {"[::]:1", true, "[::]:1", ""},
        {"[1:2:3:4:5:6:7:8]", true, "[1:2:3:4:5:6:7:8]", ""},
        {"[1:2:3:4:5:6:1.2.3.4]", true, "[1:2:3:4:5:6:1.2.3.4]", ""},
        {"[1:2:3:4:5:6:7:8:9]", false, "", ""},
        {"[1::2::3]", false, "", ""},
        {"[12345::1]", false, "", ""},
        {"[::1.2.3]", false, "", ""},
        {"[::01.2.3.4]", false, "", ""},
        {"[1:2:3:4:5:6:7::8]", false, "", ""},          // "::" must stand for at least one group
        {"[fe80::1%25]", false, "", ""},                // empty zone
        {"[fe80::1%25%41]", true, "[fe80::1%A]", ""},   // a zone may escape what it could write directly
        {"[fe80::1%25%2F]", false, "", ""},             // ... but not a byte a host cannot hold
        {"[fe80::1%25%20x]", true, "[fe80::1% x]", ""}, // ... but an escaped space is (Windows)
        {"[%31::1]", false, "", ""},
        {"registry.io/%", false, "", ""},
        {"registry.io/%4", false, "", ""},
        {"reg istry.io", false, "", ""},
        {"reg|istry.io", false, "", ""},
        {"reg<is>try.io", true, "reg<is>try.io", ""}, // Go allows <, > and " in a host
        {"%e2%98%ba.io", true, "\xe2\x98\xba.io", ""},
        {"%zz.io", false, "", ""},
        {"h\xc3\xa9@registry.io", false, "", ""}, // non-ASCII userinfo
        {"u%zz@registry.io", false, "", ""},
    };
    for (const auto &c : cases) {
        detail::GoUrl url;
        detail::GoUrlScratch scratch;
        std::string error;
        const bool ok = detail::parse_go_url(c.text, url, scratch, &error);
        EXPECT_EQ(ok, c.ok) << c.text << ": " << error;
        if (ok && c.ok) {
            EXPECT_EQ(url.host, c.host) << c.text;
            EXPECT_EQ(url.path, c.path) << c.text;
        }
        if (!ok) {
            EXPECT_EQ(error.rfind("parse \"https://", 0), 0u) << error;
        }
    }
}

TEST(GoUrl, SplitHostPortMatchesGoNet) {
    using detail::SplitError;
    struct Want {
        std::string_view in, host, port;
        SplitError error;
    };
    const Want cases[] = {
        {"registry.io:5000", "registry.io", "5000", SplitError::none},
        {"registry.io:", "registry.io", "", SplitError::none},
        {":5000", "", "5000", SplitError::none},
        {"[::1]:5000", "::1", "5000", SplitError::none},
        {"[::1]:", "::1", "", SplitError::none},
        {"registry.io", "registry.io", "", SplitError::missing_port},
        {"[::1]", "[::1]", "", SplitError::missing_port},
        {"[::1]x:5", "[::1]x:5", "", SplitError::missing_port},
        {"[::1]:5:6", "[::1]:5:6", "", SplitError::too_many_colons},
        {"a:b:c", "a:b:c", "", SplitError::too_many_colons},
        {"[::1:5", "[::1:5", "", SplitError::missing_close_bracket},
        {"reg[a].io:5", "reg[a].io:5", "", SplitError::unexpected_open_bracket},
        {"reg]a.io:5", "reg]a.io:5", "", SplitError::unexpected_close_bracket},
    };
    for (const auto &c : cases) {
        const auto got = detail::split_host_port(c.in);
        EXPECT_EQ(got.host, c.host) << c.in;
        EXPECT_EQ(got.port, c.port) << c.in;
        EXPECT_EQ(got.error, c.error) << c.in;
    }
}

} // namespace
