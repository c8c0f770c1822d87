// POSIX word splitting of credential_process command lines (libs/command/shell_words.hpp).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "command/shell_words.hpp"

using pullcred::command::split_shell_words;
using testing::AllOf;
using testing::HasSubstr;
using testing::Not;
using Words = std::vector<std::string>;

namespace {

Words words(std::string_view line) {
    auto split = split_shell_words(line);
    EXPECT_TRUE(split.ok()) << "line: " << line << "\nerror: " << split.error;
    return split.words;
}

std::string error(std::string_view line) {
    auto split = split_shell_words(line);
    EXPECT_FALSE(split.ok()) << "line was accepted: " << line;
    EXPECT_TRUE(split.words.empty());
    return split.error;
}

} // namespace

TEST(SplitCommandLine, BlanksSeparateWords) {
    EXPECT_EQ(words("/usr/bin/helper --a b"), (Words{"/usr/bin/helper", "--a", "b"}));
    EXPECT_EQ(words("  helper \t --x\t\ty  "), (Words{"helper", "--x", "y"}));
    EXPECT_EQ(words("helper --arg=a=b"), (Words{"helper", "--arg=a=b"}));
}

TEST(SplitCommandLine, EmptyOrBlankLineHasNoWords) {
    EXPECT_EQ(words(""), Words{});
    EXPECT_EQ(words(" \t "), Words{});
    EXPECT_EQ(words("\n"), Words{});
}

TEST(SplitCommandLine, SingleQuotesKeepEverything) {
    EXPECT_EQ(words("'a b' c"), (Words{"a b", "c"}));
    EXPECT_EQ(words(R"('a\b"c$HOME|;&<>()`x`#')"), (Words{R"(a\b"c$HOME|;&<>()`x`#)"}));
    EXPECT_EQ(words("'line\nbreak'"), (Words{"line\nbreak"}));
}

TEST(SplitCommandLine, DoubleQuotesEscapeOnlyFiveCharacters) {
    EXPECT_EQ(words(R"("a b")"), (Words{"a b"}));
    EXPECT_EQ(words(R"("say \"hi\"")"), (Words{R"(say "hi")"}));
    EXPECT_EQ(words(R"("back\\slash")"), (Words{R"(back\slash)"}));
    EXPECT_EQ(words(R"("\$HOME")"), (Words{"$HOME"}));
    EXPECT_EQ(words(R"("\`tick\`")"), (Words{"`tick`"}));
    EXPECT_EQ(words("\"joined\\\nline\""), (Words{"joinedline"}));
    // Any other backslash stays, as in a shell.
    EXPECT_EQ(words(R"("a\nb\'c")"), (Words{R"(a\nb\'c)"}));
    EXPECT_EQ(words(R"("it's |;&<>() #")"), (Words{"it's |;&<>() #"}));
    EXPECT_EQ(words(R"("cost $ 5" "x$")"), (Words{"cost $ 5", "x$"}));
}

TEST(SplitCommandLine, BackslashOutsideQuotes) {
    EXPECT_EQ(words(R"(/opt/my\ tools/helper a\"b c\\d \'e\')"),
              (Words{"/opt/my tools/helper", R"(a"b)", R"(c\d)", "'e'"}));
    EXPECT_EQ(words(R"(x \| \; \& \< \> \( \) \` \$HOME \#)"),
              (Words{"x", "|", ";", "&", "<", ">", "(", ")", "`", "$HOME", "#"}));
    EXPECT_EQ(words("helper --a \\\n  --b"), (Words{"helper", "--a", "--b"}));
    EXPECT_EQ(words("hel\\\nper"), (Words{"helper"}));
}

TEST(SplitCommandLine, QuotedPartsJoinIntoOneWord) {
    EXPECT_EQ(words(R"(a'b c'"d e"f\ g)"), (Words{"ab cd ef g"}));
    EXPECT_EQ(words(R"(--name='x y')"), (Words{"--name=x y"}));
}

TEST(SplitCommandLine, EmptyQuotesAreEmptyWords) {
    EXPECT_EQ(words(R"(helper '' "" x)"), (Words{"helper", "", "", "x"}));
    EXPECT_EQ(words("''"), (Words{""}));
    EXPECT_EQ(words(R"(helper "")"), (Words{"helper", ""}));
}

TEST(SplitCommandLine, NoGlobbingNoTildeNoExpansionOfPlainDollar) {
    EXPECT_EQ(words("helper *.json ?x [ab] ~/bin ~"),
              (Words{"helper", "*.json", "?x", "[ab]", "~/bin", "~"}));
    EXPECT_EQ(words("helper $ a$ a#b"), (Words{"helper", "$", "a$", "a#b"}));
    EXPECT_EQ(words("helper --opt=X=Y FOO=bar"), (Words{"helper", "--opt=X=Y", "FOO=bar"}));
}

TEST(SplitCommandLine, TrailingNewlinesAreFine) {
    EXPECT_EQ(words("helper --x\n"), (Words{"helper", "--x"}));
    EXPECT_EQ(words("helper --x\r\n\n  \n"), (Words{"helper", "--x\r"}));
}

TEST(SplitCommandLine, ShellOperatorsAreRefusedWithoutAShell) {
    for (const char *line :
         {"helper | jq .", "helper; rm x", "helper && other", "helper & ", "helper > out.json", "helper < in",
          "helper 2>/dev/null", "helper>x", "(helper)", "helper )"}) {
        const auto text = error(line);
        EXPECT_THAT(text, AllOf(HasSubstr("shell operator"), HasSubstr("without a shell"),
                                HasSubstr("at character"), HasSubstr("quote the character")))
            << line;
    }
    EXPECT_THAT(error("helper --x | jq"), HasSubstr("shell operator | at character 12"));
    EXPECT_THAT(error("a;b"), HasSubstr("shell operator ; at character 2"));
}

TEST(SplitCommandLine, SubstitutionsAndVariablesAreRefused) {
    EXPECT_THAT(
        error("helper $(cat token)"),
        AllOf(HasSubstr("$( starts a command substitution at character 8"), HasSubstr("without a shell")));
    EXPECT_THAT(
        error("helper `cat token`"),
        AllOf(HasSubstr("` starts a command substitution at character 8"), HasSubstr("without a shell")));
    EXPECT_THAT(error("helper --profile $AWS_PROFILE"),
                AllOf(HasSubstr("variables are not expanded"), HasSubstr("at character 18")));
    EXPECT_THAT(error("helper ${HOME}/x"), HasSubstr("${ starts a variable expansion"));
    EXPECT_THAT(error("helper $1"), HasSubstr("variable expansion"));
    EXPECT_THAT(error("helper $?"), HasSubstr("variable expansion"));
    // Inside double quotes a shell expands them too.
    EXPECT_THAT(error(R"x(helper "$(id)")x"),
                AllOf(HasSubstr("inside double quotes"), HasSubstr("write \\$")));
    EXPECT_THAT(error(R"(helper "$HOME")"), HasSubstr("inside double quotes"));
    EXPECT_THAT(error(R"(helper "`id`")"), HasSubstr("inside double quotes"));
}

TEST(SplitCommandLine, CommentsAssignmentsAndSecondLinesAreRefused) {
    EXPECT_THAT(error("helper # comment"), AllOf(HasSubstr("# starts a shell comment at character 8")));
    EXPECT_THAT(error("AWS_PROFILE=x helper"),
                AllOf(HasSubstr("variable assignment"), HasSubstr("pullcred's environment")));
    EXPECT_THAT(error("helper\nother"), HasSubstr("a newline at character 7"));
}

TEST(SplitCommandLine, UnterminatedQuotesAndLoneBackslash) {
    EXPECT_THAT(error("helper 'abc"), HasSubstr("unterminated single quote at character 8"));
    EXPECT_THAT(error(R"(helper "abc)"), HasSubstr("unterminated double quote at character 8"));
    EXPECT_THAT(error(R"(helper "abc\")"), HasSubstr("unterminated double quote"));
    EXPECT_THAT(error("helper \\"), HasSubstr("lone backslash at character 8"));
    EXPECT_THAT(error(std::string_view("helper a\0b", 10)), HasSubstr("NUL byte at character 9"));
}

TEST(SplitCommandLine, ErrorsNeverQuoteTheLine) {
    for (const char *line : {"helper --secret=S3CR3TVALUE | x", "helper 'S3CR3TVALUE",
                             "helper S3CR3TVALUE $(x)", "helper \"S3CR3TVALUE"}) {
        const auto text = error(line);
        EXPECT_THAT(text, AllOf(HasSubstr("command line: "), Not(HasSubstr("S3CR3TVALUE")))) << text;
        EXPECT_EQ(text.find('\n'), std::string::npos);
    }
}
