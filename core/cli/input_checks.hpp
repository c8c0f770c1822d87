// One input of a source, checked as the host reads it at request time
// (modules/host_services.cpp: read_input_file), each problem named by the
// config key that points at the input.
#pragma once

#include <string>
#include <vector>

#include "config/problem.hpp"

namespace pullcred::cli {

using Problems = std::vector<config::Problem>;

// A file the source reads: present, a regular file, readable, trusted.
// False (with the problem) when it cannot be read.
bool check_input_file(const std::string &file, const std::string &path, Problems &problems);
// A directory of files (a mounted Secret).
bool check_input_directory(const std::string &dir, const std::string &path, std::string_view layout,
                           Problems &problems);
void check_env_set(const std::string &name, const std::string &path, Problems &problems);
// The program a command line starts (its first word), found as execvp finds
// it and trust-checked as the host checks it before running it.
void check_command_program(const std::string &command, const std::string &path, Problems &problems);

} // namespace pullcred::cli
