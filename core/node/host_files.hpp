// Writing files on the host for `pullcred node install`: atomic (temp file
// in the same directory + fsync + rename), only when the content differs,
// with explicit modes. Every function reports whether it changed anything.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

#include "util/result.hpp"

namespace pullcred::node {

// sha256 of a file's content, streamed; an error when it cannot be read.
Result<std::string> file_sha256(const std::filesystem::path &path);

// Creates `dir` and missing parents with `mode`; true when it created one.
// Each directory created is appended to `created` (when given).
Result<bool> make_dirs(const std::filesystem::path &dir, mode_t mode,
                       std::vector<std::filesystem::path> *created = nullptr);

// Writes `content` to `path` unless it already holds exactly that with
// `mode`; true when the file was (re)written or its mode fixed.
Result<bool> write_if_changed(const std::filesystem::path &path, std::string_view content, mode_t mode);

// Copies `from` to `to` (atomically) unless their sha256 are equal.
Result<bool> copy_if_changed(const std::filesystem::path &from, const std::filesystem::path &to, mode_t mode);

// Makes `link` a symbolic link to `target` (atomically) unless it already is.
Result<bool> link_if_changed(const std::filesystem::path &target, const std::filesystem::path &link);

// Removes a file if present; true when it was there.
Result<bool> remove_file(const std::filesystem::path &path);

} // namespace pullcred::node
