// filepath_match against Go's own path/filepath TestMatch table, plus the
// corners kubelet's host labels can reach.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "match/glob.hpp"

namespace {

using pullcred::match::filepath_match;
using pullcred::match::GlobResult;

struct MatchCase {
    std::string_view pattern;
    std::string_view name;
    GlobResult expected;
};

constexpr auto yes = GlobResult::match;
constexpr auto no = GlobResult::no_match;
constexpr auto bad = GlobResult::bad_pattern;

std::string to_string(GlobResult r) {
    switch (r) {
    case GlobResult::match:
        return "match";
    case GlobResult::no_match:
        return "no_match";
    case GlobResult::bad_pattern:
        return "bad_pattern";
    }
    return "?";
}

void expect_all(const MatchCase *begin, const MatchCase *end) {
    for (const auto *c = begin; c != end; ++c)
        EXPECT_EQ(to_string(filepath_match(c->pattern, c->name)), to_string(c->expected))
            << "Match(" << c->pattern << ", " << c->name << ")";
}

// Go src/path/filepath/match_test.go, matchTests (Unix rows; err != nil => bad_pattern).
constexpr MatchCase kGoMatchTests[] = {
    {"abc", "abc", yes},
    {"*", "abc", yes},
    {"*c", "abc", yes},
    {"a*", "a", yes},
    {"a*", "abc", yes},
    {"a*", "ab/c", no},
    {"a*/b", "abc/b", yes},
    {"a*/b", "a/c/b", no},
    {"a*b*c*d*e*/f", "axbxcxdxe/f", yes},
    {"a*b*c*d*e*/f", "axbxcxdxexxx/f", yes},
    {"a*b*c*d*e*/f", "axbxcxdxe/xxx/f", no},
    {"a*b*c*d*e*/f", "axbxcxdxexxx/fff", no},
    {"a*b?c*x", "abxbbxdbxebxczzx", yes},
    {"a*b?c*x", "abxbbxdbxebxczzy", no},
    {"ab[c]", "abc", yes},
    {"ab[b-d]", "abc", yes},
    {"ab[e-g]", "abc", no},
    {"ab[^c]", "abc", no},
    {"ab[^b-d]", "abc", no},
    {"ab[^e-g]", "abc", yes},
    {"a\\*b", "a*b", yes},
    {"a\\*b", "ab", no},
    {"a?b",
     "a\u263a"
     "b",
     yes},
    {"a[^a]b",
     "a\u263a"
     "b",
     yes},
    {"a???b",
     "a\u263a"
     "b",
     no},
    {"a[^a][^a][^a]b",
     "a\u263a"
     "b",
     no},
    {"[a-\u03b6]*", "\u03b1", yes},
    {"*[a-\u03b6]", "A", no},
    {"a?b", "a/b", no},
    {"a*b", "a/b", no},
    {"[\\]a]", "]", yes},
    {"[\\-]", "-", yes},
    {"[x\\-]", "x", yes},
    {"[x\\-]", "-", yes},
    {"[x\\-]", "z", no},
    {"[\\-x]", "x", yes},
    {"[\\-x]", "-", yes},
    {"[\\-x]", "a", no},
    {"[]a]", "]", bad},
    {"[-]", "-", bad},
    {"[x-]", "x", bad},
    {"[x-]", "-", bad},
    {"[x-]", "z", bad},
    {"[-x]", "x", bad},
    {"[-x]", "-", bad},
    {"[-x]", "a", bad},
    {"\\", "a", bad},
    {"[a-b-c]", "a", bad},
    {"[", "a", bad},
    {"[^", "a", bad},
    {"[^bc", "a", bad},
    {"a[", "a", bad},
    {"a[", "ab", bad},
    {"a[", "x", bad},
    {"a/b[", "x", bad},
    {"*x", "xxx", yes},
};

TEST(FilepathMatch, GoTestMatchTable) {
    expect_all(std::begin(kGoMatchTests), std::end(kGoMatchTests));
}

// Corners that matter for host labels.
constexpr MatchCase kLabelCases[] = {
    {"", "", yes},                            // empty label matches only an empty label
    {"", "a", no},                            //
    {"*", "", yes},                           // '*' may match nothing
    {"app*", "app", yes},                     //
    {"app*", "apps", yes},                    //
    {"*s", "apps", yes},                      //
    {"a*b*c", "abc", yes},                    //
    {"a*b*c", "aXbYc", yes},                  //
    {"a*b*c", "aXbYcZ", no},                  // last chunk must use up the name
    {"*c*", "abcabc", yes},                   //
    {"[!a]", "!", yes},                       // Go has no "[!...]" negation: '!' is a literal
    {"[!a]", "a", yes},                       //
    {"[!a]", "b", no},                        //
    {"[^!]", "b", yes},                       // only '^' negates
    {"[a-z]", "A", no},                       // case-sensitive
    {"[z-a]", "m", no},                       // empty range is well formed and matches nothing
    {"\\a", "a", yes},                        // escaped ordinary character
    {"[\\a]", "a", yes},                      //
    {"x[", "y", bad},                         // bad tail reported even after a mismatch
    {"*[", "abc", bad},                       //
    {"a*[", "b", bad},                        //
    {"[\xff]", "a", bad},                     // invalid UTF-8 inside a class
    {"\xff", "\xff", yes},                    // raw bytes outside a class compare bytewise
    {"?", "\xff", yes},                       // '?' takes one (invalid) byte
    {"??", "\xc3\xa9", no},                   // but one whole rune when valid
    {"?", "\xc3\xa9", yes},                   //
    {"[\xc3\xa0-\xc3\xaa]", "\xc3\xa9", yes}, // U+00E0..U+00EA contains U+00E9 (rune, not byte, ranges)
    {"[\xc3\xa0-\xc3\xa8]", "\xc3\xa9", no},  //
    {"[\xef\xbf\xbd]", "\xff", yes},          // an invalid byte decodes to U+FFFD, like Go
    {"*", "a/b", no},                         // '*' never crosses '/'
};

TEST(FilepathMatch, LabelCorners) {
    expect_all(std::begin(kLabelCases), std::end(kLabelCases));
}

TEST(FilepathMatch, ManyStarsOnALongNameFinishQuickly) {
    const std::string name(200000, 'a');
    EXPECT_EQ(filepath_match("*a*a*a*a*a*a*a*a*a*a*b", name), GlobResult::no_match);
    EXPECT_EQ(filepath_match("*a*a*a*a*a*a*a*a*a*a*", name), GlobResult::match);
    EXPECT_EQ(filepath_match("*a*a*a*a*a*a*a*a*a*a*[", name), GlobResult::bad_pattern);
}

} // namespace
