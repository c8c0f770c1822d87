#include "util/trust.hpp"

#include <cerrno>
#include <climits>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

#include "util/unique_fd.hpp"

namespace pullcred::trust {

namespace {

// The kernel's own limit on symlinks followed in one lookup.
constexpr int kMaxSymlinks = 40;

std::string octal_mode(mode_t mode) {
    std::string out = "0000";
    auto bits = static_cast<unsigned>(mode & 07777);
    for (std::size_t i = out.size(); i-- > 0; bits >>= 3) out[i] = static_cast<char>('0' + (bits & 7));
    return out;
}

std::string join(const std::string &directory, const std::string &name) {
    return directory == "/" ? "/" + name : directory + "/" + name;
}

std::vector<std::string> components(const std::string &path) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= path.size()) {
        auto slash = path.find('/', start);
        if (slash == std::string::npos) slash = path.size();
        if (slash > start) out.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    return out;
}

struct Directory {
    UniqueFd fd;
    std::string name;
};

// One check of one path, as root.
class Walk {
public:
    Walk(const std::filesystem::path &path, std::string_view what)
        : prefix_(std::string(what) + " " + path.string() + ": "), path_(path.string()) {}

    Status run(int fd) {
        struct stat opened {};
        if (::fstat(fd, &opened) != 0) return failure("cannot stat the opened file", errno);
        std::error_code error;
        const auto absolute = std::filesystem::absolute(path_, error);
        if (error) return Error::failed(prefix_ + "cannot resolve the path: " + error.message());

        UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (root.get() < 0) return failure("cannot open /", errno);
        if (auto entered = enter(std::move(root), "/"); !entered) return entered;

        const auto names = components(absolute.string());
        std::deque<std::string> todo(names.begin(), names.end());
        int links = 0;
        while (!todo.empty()) {
            const std::string name = std::move(todo.front());
            todo.pop_front();
            if (name == ".") continue;
            if (name == "..") {
                if (stack_.size() > 1) stack_.pop_back();
                continue;
            }
            const Directory &here = stack_.back();
            const auto full = join(here.name, name);
            struct stat entry {};
            if (::fstatat(here.fd.get(), name.c_str(), &entry, AT_SYMLINK_NOFOLLOW) != 0)
                return errno == ENOENT || errno == ENOTDIR ? changed()
                                                           : failure("cannot check " + full, errno);
            if (S_ISLNK(entry.st_mode)) {
                if (++links > kMaxSymlinks)
                    return Error::failed(prefix_ + "more than 40 symlinks on the way");
                if (entry.st_uid != 0) return untrusted("symlink " + full, entry, full, true);
                auto target = read_link(here.fd.get(), name, full);
                if (!target) return target.error();
                const auto parts = components(*target);
                todo.insert(todo.begin(), parts.begin(), parts.end());
                if (target->starts_with('/')) stack_.erase(stack_.begin() + 1, stack_.end());
                continue;
            }
            if (S_ISDIR(entry.st_mode)) {
                UniqueFd next(
                    ::openat(here.fd.get(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
                if (next.get() < 0) return changed();
                if (auto entered = enter(std::move(next), full); !entered) return entered;
                continue;
            }
            if (!todo.empty() || entry.st_dev != opened.st_dev || entry.st_ino != opened.st_ino)
                return changed();
            if (opened.st_uid != 0 || writable_by_group_or_others(opened))
                return untrusted("", opened, path_, false);
            return ok();
        }
        return changed(); // the walk ended at a directory
    }

private:
    Status enter(UniqueFd fd, std::string name) {
        struct stat info {};
        if (::fstat(fd.get(), &info) != 0) return failure("cannot stat " + name, errno);
        if (info.st_uid != 0 || writable_by_group_or_others(info, true))
            return untrusted("directory " + name + " is ", info, name, false);
        stack_.push_back(Directory{std::move(fd), std::move(name)});
        return ok();
    }

    Result<std::string> read_link(int directory, const std::string &name, const std::string &full) {
        std::string target(PATH_MAX, '\0');
        const auto n = ::readlinkat(directory, name.c_str(), target.data(), target.size());
        if (n < 0) return failure("cannot read symlink " + full, errno).error();
        if (static_cast<std::size_t>(n) >= target.size())
            return Error::failed(prefix_ + "symlink " + full + " is longer than PATH_MAX");
        target.resize(static_cast<std::size_t>(n));
        return target;
    }

    // `subject` is empty for the file itself, else "directory X is " or
    // "symlink X".
    Status untrusted(const std::string &subject, const struct stat &info, const std::string &name,
                     bool symlink) const {
        std::string text = prefix_ + subject;
        if (symlink)
            text += " is owned by uid " + std::to_string(info.st_uid);
        else
            text += owner_and_mode(info);
        text += ", and pullcred runs as root: only root may be able to change ";
        text += subject.starts_with("directory") ? "what it holds" : "it";
        std::vector<std::string> fixes;
        if (info.st_uid != 0) fixes.push_back((symlink ? "chown -h root:root " : "chown root:root ") + name);
        if (!symlink && writable_by_group_or_others(info, S_ISDIR(info.st_mode)))
            fixes.push_back("chmod go-w " + name);
        text += "; fix: ";
        for (std::size_t i = 0; i < fixes.size(); ++i) text += (i == 0 ? "" : " && ") + fixes[i];
        return Error::failed(std::move(text));
    }

    Status changed() const {
        return Error::failed(prefix_ +
                             "the path no longer leads to the file that was opened (it changed while it was "
                             "checked); try again, and find what keeps replacing it");
    }

    Status failure(const std::string &doing, int error) const {
        return Error::failed(prefix_ + doing + ": " + std::strerror(error));
    }

    std::string prefix_;
    std::string path_;
    std::vector<Directory> stack_;
};

} // namespace

bool writable_by_group_or_others(const struct stat &info, bool sticky_ok) {
    if (sticky_ok && S_ISDIR(info.st_mode) && (info.st_mode & S_ISVTX) != 0) return false;
    return (info.st_mode & (S_IWGRP | S_IWOTH)) != 0;
}

std::string owner_and_mode(const struct stat &info) {
    return "owned by uid " + std::to_string(info.st_uid) + " with mode " + octal_mode(info.st_mode);
}

Status check_opened_file(int fd, const std::filesystem::path &path, std::string_view what) {
    if (::geteuid() != 0) return ok();
    return Walk(path, what).run(fd);
}

} // namespace pullcred::trust
