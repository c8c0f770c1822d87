// Checks on the values of mounted Secrets (read through the host, which
// refuses special files and records them): error texts name the file but
// never quote its content.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace pullcred_static {

inline constexpr std::size_t kMaxSecretFileBytes = 64 * 1024;

// Leading and trailing blanks (space, tab, CR, LF, VT, FF) removed.
std::string_view trim(std::string_view text);

// True when `text` holds a byte that cannot appear in a key, token or region
// (control characters, blanks, DEL).
bool has_forbidden_bytes(std::string_view text);

// Whether `path` is an existing directory (symlinks followed); an error text
// naming the path when it is not.
std::optional<std::string> check_directory(const std::string &path, std::string_view what);

} // namespace pullcred_static
