// Only trusted files load as modules: owned by root or by the running user,
// and neither the file nor its directory writable by group or others; as
// root, also every directory and symlink on the way (util/trust.hpp).
// The file is opened once and everything after the check (the SHA-256 pin,
// the load itself) goes through that descriptor, so the file checked is the
// file that runs, whatever happens to the path meanwhile.
#pragma once

#include <filesystem>
#include <string>

#include "util/result.hpp"

namespace pullcred::modules {

class TrustedFile {
public:
    // Opens `path` (symlinks followed) and checks the opened file and the
    // directory that holds it.
    static Result<TrustedFile> open(const std::filesystem::path &path);
    ~TrustedFile();
    TrustedFile(TrustedFile &&other) noexcept;
    TrustedFile &operator=(TrustedFile &&) = delete;
    TrustedFile(const TrustedFile &) = delete;
    TrustedFile &operator=(const TrustedFile &) = delete;

    [[nodiscard]] int fd() const { return fd_; }
    // A path that names the opened file itself (/proc/self/fd/N), for dlopen.
    [[nodiscard]] std::string descriptor_path() const;
    // Never close the descriptor. Once dlopen has seen descriptor_path(), it
    // must stay unique: the loader matches a later dlopen of the same name
    // to the library already loaded, and a closed fd's number is reused.
    void keep_open_for_the_process() { keep_open_ = true; }
    // Lower-case hex SHA-256 of the opened file's content.
    [[nodiscard]] Result<std::string> sha256_hex() const;

private:
    TrustedFile(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
    int fd_;
    std::filesystem::path path_;
    bool keep_open_ = false;
};

Status check_trusted_file(const std::filesystem::path &path);

// "module PATH: ", how every loading error starts.
std::string module_prefix(const std::filesystem::path &module);

} // namespace pullcred::modules
