#include "util/input_file.hpp"

#include "util/trust.hpp"

namespace pullcred {

namespace {
std::int64_t nanoseconds(const struct timespec &time) {
    return static_cast<std::int64_t>(time.tv_sec) * 1'000'000'000 + time.tv_nsec;
}
} // namespace

FileIdentity identity_of(const struct stat &info) {
    return FileIdentity{static_cast<std::uint64_t>(info.st_dev), static_cast<std::uint64_t>(info.st_ino),
                        static_cast<std::int64_t>(info.st_size), nanoseconds(info.st_mtim),
                        nanoseconds(info.st_ctim)};
}

std::optional<FileIdentity> current_identity(const std::filesystem::path &path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return std::nullopt;
    return identity_of(info);
}

Result<std::optional<InputFile>> read_input_file(const std::filesystem::path &path, std::string_view what,
                                                 InputUse use, std::size_t cap) {
    auto file = open_regular_file(path, what);
    if (!file) return file.error();
    if (!*file) return std::optional<InputFile>();
    if (auto trusted = trust::check_opened_file((*file)->fd.get(), path, what); !trusted)
        return trusted.error();
    InputFile input{identity_of((*file)->info), {}};
    if (use == InputUse::content) {
        auto content = read_opened_file(**file, path, what, cap);
        if (!content) return content.error();
        input.content = std::move(*content);
    }
    return std::optional<InputFile>(std::move(input));
}

} // namespace pullcred
