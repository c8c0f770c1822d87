#include "secret_files.hpp"

#include <cerrno>
#include <cstring>
#include <sys/stat.h>

namespace pullcred_static {

namespace {
std::string errno_text(int error) {
    return std::strerror(error);
} // NOLINT(concurrency-mt-unsafe)

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}
} // namespace

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
    return text;
}

bool has_forbidden_bytes(std::string_view text) {
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte == 0x7f) return true;
    }
    return false;
}

std::optional<std::string> check_directory(const std::string &path, std::string_view what) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        const int error = errno;
        if (error == ENOENT) return std::string(what) + " " + path + " does not exist";
        return std::string(what) + " " + path + ": " + errno_text(error);
    }
    if (!S_ISDIR(info.st_mode)) return std::string(what) + " " + path + " is not a directory";
    return std::nullopt;
}

} // namespace pullcred_static
