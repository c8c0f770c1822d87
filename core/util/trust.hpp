// Who may steer pullcred: a file that decides what pullcred runs or which
// credential it hands out is trusted only when nobody but its owner (root,
// when pullcred runs as root) can change it.
#pragma once

#include <filesystem>
#include <string_view>

#include "util/result.hpp"

namespace pullcred::trust {

// Checks the already opened file `fd` (opened from `path`) and the
// directories that hold it. `what` names the file in the error ("config",
// "credential_process program", ...).
Status check_opened_file(int fd, const std::filesystem::path &path, std::string_view what);

} // namespace pullcred::trust
