// Splits a credential_process command line into words the way a POSIX shell
// does, so that the command can be run directly (execve), without a shell:
// hosts such as Bottlerocket have no /bin/sh.
//
//   - blanks (space, tab) separate words;
//   - '...' keeps everything literally;
//   - "..." keeps everything except that a backslash escapes " \ $ ` and
//     newline (backslash-newline is removed); any other backslash stays;
//   - outside quotes a backslash makes the next character literal
//     (backslash-newline is removed);
//   - '' and "" give an empty word.
//
// No globbing, no tilde or variable expansion. Whatever a shell would treat
// as syntax is refused with a message that says so, instead of being passed
// on with a different meaning: unquoted | ; & < > ( ), $(...), `...`,
// ${...} and $NAME (also inside "..."), a # that starts a word (a comment),
// a NAME=value assignment before the program, and a newline between words
// (a second command). Quote such a character to pass it literally.
//
// The C++ standard library only: aws.process runs command lines split so,
// and the host recognises `aws_signing_helper credential-process ...` lines
// with the same splitting.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pullcred::command {

struct SplitCommand {
    std::vector<std::string> words; // the argv; empty when `error` is set
    std::string error;              // one line naming what is wrong and where, never quoting the line

    [[nodiscard]] bool ok() const { return error.empty(); }
};

// A line of only blanks gives no words and no error.
SplitCommand split_shell_words(std::string_view line);

} // namespace pullcred::command
