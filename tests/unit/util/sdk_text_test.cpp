#include <gtest/gtest.h>
#include <pullcred/text.hpp>
#include <string>

using pullcred::sdk::one_line;
using pullcred::sdk::printable_ascii;
using pullcred::sdk::valid_utf8;

TEST(SdkValidUtf8, AcceptsWellFormedText) {
    EXPECT_TRUE(valid_utf8(""));
    EXPECT_TRUE(valid_utf8("plain ascii"));
    EXPECT_TRUE(valid_utf8("\xc3\xa9"));             // U+00E9
    EXPECT_TRUE(valid_utf8("\xe2\x80\xa6"));         // U+2026
    EXPECT_TRUE(valid_utf8("\xed\x9f\xbf"));         // U+D7FF, last before the surrogates
    EXPECT_TRUE(valid_utf8("\xf0\x9f\x90\xb3"));     // U+1F433
    EXPECT_TRUE(valid_utf8("\xf4\x8f\xbf\xbf"));     // U+10FFFF
    EXPECT_TRUE(valid_utf8(std::string("a\0b", 3))); // NUL is a character
}

TEST(SdkValidUtf8, RefusesMalformedText) {
    EXPECT_FALSE(valid_utf8("\x80")) << "a lone continuation byte";
    EXPECT_FALSE(valid_utf8("\xc0\x80")) << "overlong NUL";
    EXPECT_FALSE(valid_utf8("\xc1\xbf")) << "overlong two-byte";
    EXPECT_FALSE(valid_utf8("\xe0\x80\x80")) << "overlong three-byte";
    EXPECT_FALSE(valid_utf8("\xf0\x80\x80\x80")) << "overlong four-byte";
    EXPECT_FALSE(valid_utf8("\xed\xa0\x80")) << "a surrogate";
    EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80")) << "past U+10FFFF";
    EXPECT_FALSE(valid_utf8("\xf5\x80\x80\x80")) << "lead byte F5";
    EXPECT_FALSE(valid_utf8("ok\xe2\x80")) << "cut at the end";
    EXPECT_FALSE(valid_utf8("\xc3(")) << "continuation missing";
}

TEST(SdkOneLine, ControlCharactersBecomeSpaces) {
    EXPECT_EQ(one_line("a\nb\r\tc\x7f"
                       "d"),
              "a b  c d");
}

TEST(SdkOneLine, CutsPastTheLimit) {
    EXPECT_EQ(one_line("abcdef", 6), "abcdef");
    EXPECT_EQ(one_line("abcdefg", 6), "abcdef...");
    EXPECT_EQ(one_line(std::string(1000, 'x')).size(), 303U);
}

TEST(SdkPrintableAscii, KeepsPrintableAsciiOnly) {
    EXPECT_EQ(printable_ascii("ok \xc3\xa9\n\x01~"), "ok     ~");
    EXPECT_EQ(printable_ascii("abcdefg", 6), "abcdef...");
}
