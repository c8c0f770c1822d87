// Where execvp finds a program: each PATH entry in order (an empty entry is
// the current directory; no PATH: /bin:/usr/bin). Used to run a command
// (aws.process) and to check beforehand that it can run (check-config).
#pragma once

#include <string>
#include <vector>

namespace pullcred::command {

// The paths execvp tries for `program`, in order: only `program` itself when
// it names a path (has a '/').
std::vector<std::string> exec_candidates(const std::string &program);

// The file execvp would run: the program itself when it names a path, else
// the first regular executable file among the candidates, else the first
// candidate that exists (execve refuses it); empty when none exists.
std::string resolve_program(const std::string &program);

} // namespace pullcred::command
