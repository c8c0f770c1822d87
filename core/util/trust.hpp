// Who may steer pullcred: a file that decides what pullcred runs or which
// credential it hands out is trusted only when nobody but its owner (root,
// when pullcred runs as root) can change it.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <sys/stat.h>

#include "util/result.hpp"

namespace pullcred::trust {

// When pullcred runs as root: the opened file `fd` (opened from `path`) must
// be owned by root and not writable by group or others, and so must every
// directory on the way to it from / (a root-owned sticky directory such as
// /tmp is accepted), symlinks followed as the kernel does, each symlink
// root-owned and its directory checked too. The walk must end at the opened
// file itself. For any other user: ok (their own files are theirs to trust).
// `what` names the file in the error ("config", "credential_process program", ...).
Status check_opened_file(int fd, const std::filesystem::path &path, std::string_view what);

// Group or others may write it. A sticky directory (others may add entries
// but not replace anyone else's) counts as not writable when `sticky_ok`.
bool writable_by_group_or_others(const struct stat &info, bool sticky_ok = false);

// "owned by uid 65534 with mode 0666"
std::string owner_and_mode(const struct stat &info);

} // namespace pullcred::trust
