#include "command/shell_words.hpp"

#include <cstddef>
#include <string>
#include <utility>

namespace pullcred::command {
namespace {

constexpr std::string_view kNoShell =
    "the command is run without a shell: put shell syntax in a script and run that, or quote the character "
    "to pass it as an argument";

bool is_blank(char c) {
    return c == ' ' || c == '\t';
}
bool is_name_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_name_char(char c) {
    return is_name_start(c) || (c >= '0' && c <= '9');
}

std::string at(std::size_t index) {
    return " at character " + std::to_string(index + 1);
}

class Splitter {
public:
    explicit Splitter(std::string_view line) : line_(line) {}

    SplitCommand run() {
        while (i_ < line_.size() && error_.empty()) step();
        if (!error_.empty()) return {{}, "command line: " + error_};
        if (in_word_) words_.push_back(std::move(word_));
        return {std::move(words_), {}};
    }

private:
    void fail(std::string text) {
        if (error_.empty()) error_ = std::move(text);
    }

    void end_word() {
        if (in_word_) words_.push_back(std::move(word_));
        word_.clear();
        in_word_ = false;
    }

    // The kind of shell expansion a `$` at `index` starts, or empty when a
    // shell would keep the `$` itself (at the end, before a blank, ...).
    [[nodiscard]] std::string_view expansion_at(std::size_t index) const {
        if (index + 1 >= line_.size()) return {};
        const char next = line_[index + 1];
        if (next == '(') return "$( starts a command substitution";
        if (next == '{') return "${ starts a variable expansion";
        if (is_name_char(next) || next == '?' || next == '$' || next == '!' || next == '#' || next == '*' ||
            next == '@' || next == '-')
            return "$ starts a variable expansion (variables are not expanded)";
        return {};
    }

    // A NAME=value word before the program: a shell variable assignment.
    [[nodiscard]] bool assignment_at(std::size_t index) const {
        if (!words_.empty() || in_word_ || !is_name_start(line_[index])) return false;
        std::size_t j = index;
        while (j < line_.size() && is_name_char(line_[j])) ++j;
        return j < line_.size() && line_[j] == '=';
    }

    void single_quoted() {
        const std::size_t open = i_;
        const auto close = line_.find('\'', open + 1);
        if (close == std::string_view::npos) return fail("unterminated single quote" + at(open));
        word_.append(line_.substr(open + 1, close - open - 1));
        in_word_ = true;
        i_ = close + 1;
    }

    void double_quoted() {
        const std::size_t open = i_;
        in_word_ = true;
        ++i_;
        while (true) {
            if (i_ >= line_.size()) return fail("unterminated double quote" + at(open));
            const char c = line_[i_];
            if (c == '"') {
                ++i_;
                return;
            }
            if (c == '\\' && i_ + 1 < line_.size()) {
                const char next = line_[i_ + 1];
                if (next == '"' || next == '\\' || next == '$' || next == '`' || next == '\n') {
                    if (next != '\n') word_ += next;
                    i_ += 2;
                    continue;
                }
                word_ += c;
                ++i_;
                continue;
            }
            if (c == '`')
                return fail("` starts a command substitution" + at(i_) + " (inside double quotes); " +
                            std::string(kNoShell) + " (write \\` or use single quotes)");
            if (c == '$') {
                if (const auto kind = expansion_at(i_); !kind.empty())
                    return fail(std::string(kind) + at(i_) + " (inside double quotes); " +
                                std::string(kNoShell) + " (write \\$ or use single quotes)");
            }
            if (c == '\0') return fail("NUL byte" + at(i_));
            word_ += c;
            ++i_;
        }
    }

    void step() {
        const char c = line_[i_];
        if (is_blank(c)) {
            end_word();
            ++i_;
            return;
        }
        if (c == '\n') {
            end_word();
            for (std::size_t j = i_ + 1; j < line_.size(); ++j) {
                if (!is_blank(line_[j]) && line_[j] != '\n' && line_[j] != '\r')
                    return fail("a newline" + at(i_) +
                                " ends the command and more follows (a shell would run a second command); "
                                "write the command on one line, or continue it with a backslash");
            }
            i_ = line_.size();
            return;
        }
        switch (c) {
        case '\'':
            return single_quoted();
        case '"':
            return double_quoted();
        case '\\':
            if (i_ + 1 >= line_.size()) return fail("the line ends with a lone backslash" + at(i_));
            if (line_[i_ + 1] != '\n') {
                word_ += line_[i_ + 1];
                in_word_ = true;
            }
            i_ += 2;
            return;
        case '|':
        case ';':
        case '&':
        case '<':
        case '>':
        case '(':
        case ')':
            return fail(std::string("shell operator ") + c + at(i_) + "; " + std::string(kNoShell));
        case '`':
            return fail("` starts a command substitution" + at(i_) + "; " + std::string(kNoShell));
        case '$':
            if (const auto kind = expansion_at(i_); !kind.empty())
                return fail(std::string(kind) + at(i_) + "; " + std::string(kNoShell));
            break;
        case '#':
            if (!in_word_) return fail("# starts a shell comment" + at(i_) + "; " + std::string(kNoShell));
            break;
        case '\0':
            return fail("NUL byte" + at(i_));
        default:
            break;
        }
        if (assignment_at(i_))
            return fail("NAME=value before the program" + at(i_) +
                        " is a shell variable assignment; the command is run without a shell: set the "
                        "variable in pullcred's environment instead");
        word_ += c;
        in_word_ = true;
        ++i_;
    }

    std::string_view line_;
    std::size_t i_ = 0;
    std::vector<std::string> words_;
    std::string word_;
    bool in_word_ = false;
    std::string error_;
};

} // namespace

SplitCommand split_shell_words(std::string_view line) {
    return Splitter(line).run();
}

} // namespace pullcred::command
