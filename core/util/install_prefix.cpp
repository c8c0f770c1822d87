#include "util/install_prefix.hpp"

#include <iterator>

namespace pullcred {

std::filesystem::path install_prefix_of(const std::filesystem::path &executable) {
    const auto dir = executable.parent_path();
    const std::filesystem::path private_lib(PULLCRED_PRIVATE_LIB_SUBDIR);
    const auto depth = std::distance(private_lib.begin(), private_lib.end());
    auto prefix = dir;
    std::filesystem::path tail;
    for (long i = 0; i < depth && prefix.has_relative_path(); ++i) {
        tail = prefix.filename() / tail;
        prefix = prefix.parent_path();
    }
    if ((tail / "").lexically_normal() == (private_lib / "").lexically_normal()) return prefix;
    return dir.parent_path();
}

std::filesystem::path install_prefix() {
    std::error_code error;
    const auto executable = std::filesystem::read_symlink("/proc/self/exe", error);
    if (error) return {};
    return install_prefix_of(executable);
}

std::filesystem::path host_executable() {
    const auto prefix = install_prefix();
    if (prefix.empty()) return {};
    return prefix / PULLCRED_PRIVATE_LIB_SUBDIR / kHostExecutableName;
}

} // namespace pullcred
