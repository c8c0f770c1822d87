// The node's inputs: files that decide a credential or what pullcred runs,
// read one way: never blocking on a special file, trust-checked
// (util/trust.hpp), and with an identity that tells later whether they changed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "util/files.hpp"
#include "util/result.hpp"

namespace pullcred {

// What stat says of a file; two equal identities are the same file unless it
// was rewritten within the file system's timestamp granularity (see racy).
struct FileIdentity {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::int64_t size = 0;
    std::int64_t mtime_ns = 0;
    std::int64_t ctime_ns = 0;

    bool operator==(const FileIdentity &) const = default;
};

FileIdentity identity_of(const struct stat &info);

// The identity of the file `path` names now (symlinks followed); nullopt when
// there is none.
std::optional<FileIdentity> current_identity(const std::filesystem::path &path);

enum class InputUse {
    content, // read it
    program, // it will be run: check it, do not read it
};

struct InputFile {
    FileIdentity identity;
    std::string content; // empty for a program
};

// nullopt: no such file. Errors read "<what> <path>: <reason>".
Result<std::optional<InputFile>> read_input_file(const std::filesystem::path &path, std::string_view what,
                                                 InputUse use = InputUse::content,
                                                 std::size_t cap = kDefaultFileCap);

} // namespace pullcred
