#include "modules/file_trust.hpp"

#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace pullcred::modules {

namespace {

Status check_owner_and_mode(const std::filesystem::path &path, std::string_view what,
                            const std::filesystem::path &module) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0)
        return make_error("module " + module.string() + ": cannot stat " + std::string(what) + " " +
                          path.string() + ": " + std::strerror(errno));
    const auto uid = ::geteuid();
    if (info.st_uid != 0 && info.st_uid != uid)
        return make_error("module " + module.string() + ": refused, " + std::string(what) + " " +
                          path.string() + " is owned by uid " + std::to_string(info.st_uid) +
                          "; fix: chown root " + path.string());
    if ((info.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return make_error("module " + module.string() + ": refused, " + std::string(what) + " " +
                          path.string() + " is writable by group or others; fix: chmod go-w " +
                          path.string());
    return ok();
}

} // namespace

Status check_trusted_file(const std::filesystem::path &path) {
    std::error_code error;
    const auto resolved = std::filesystem::canonical(path, error);
    if (error) return make_error("module " + path.string() + ": " + error.message());
    if (!std::filesystem::is_regular_file(resolved, error))
        return make_error("module " + path.string() + ": not a regular file");
    if (auto status = check_owner_and_mode(resolved, "file", path); !status) return status;
    return check_owner_and_mode(resolved.parent_path(), "directory", path);
}

} // namespace pullcred::modules
