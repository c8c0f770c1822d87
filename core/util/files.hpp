// Reading files from outside with a size cap, so that a hostile file can
// neither exhaust memory nor hang the reader.
#pragma once

#include <cstddef>
#include <filesystem>
#include <istream>
#include <optional>
#include <string>
#include <sys/stat.h>

#include "util/result.hpp"
#include "util/unique_fd.hpp"

namespace pullcred {

inline constexpr std::size_t kDefaultFileCap = std::size_t{1024} * 1024;

struct OpenedFile {
    UniqueFd fd;
    struct stat info;
};

// Opens without blocking (a FIFO cannot hang the open) and refuses anything
// but a regular file. nullopt: no such file. Errors read "<what> <path>: <reason>".
Result<std::optional<OpenedFile>> open_regular_file(const std::filesystem::path &path, std::string_view what);

// The rest of an opened file; more than `cap` bytes is an error.
Result<std::string> read_opened_file(const OpenedFile &file, const std::filesystem::path &path,
                                     std::string_view what, std::size_t cap = kDefaultFileCap);

// Errors read "<what> <path>: <reason>", e.g. "config /etc/x.yaml: no such file".
Result<std::string> read_file_capped(const std::filesystem::path &path, std::string_view what,
                                     std::size_t cap = kDefaultFileCap);

// Reads a whole stream (stdin); an input over `cap` bytes is an error.
Result<std::string> read_stream_capped(std::istream &in, std::string_view what, std::size_t cap);

} // namespace pullcred
