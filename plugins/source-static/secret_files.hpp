// Small, careful file reads for mounted Secrets: regular files only (a
// Kubernetes Secret volume reaches them through symlinks, which are
// followed), a size cap, no hang on a FIFO, and error texts that name the
// file but never quote its content.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace pullcred_static {

inline constexpr std::size_t kMaxSecretFileBytes = 64 * 1024;

struct FileMissing {};
struct FileError {
    std::string message; // names the file and what is wrong, never its content
};

// The file's content, FileMissing when it does not exist, or FileError.
using FileRead = std::variant<std::string, FileMissing, FileError>;

FileRead read_small_file(const std::string &path, std::size_t max_bytes = kMaxSecretFileBytes);

// Leading and trailing blanks (space, tab, CR, LF, VT, FF) removed.
std::string_view trim(std::string_view text);

// True when `text` holds a byte that cannot appear in a key, token or region
// (control characters, blanks, DEL).
bool has_forbidden_bytes(std::string_view text);

// Whether `path` is an existing directory (symlinks followed); an error text
// naming the path when it is not.
std::optional<std::string> check_directory(const std::string &path, std::string_view what);

} // namespace pullcred_static
