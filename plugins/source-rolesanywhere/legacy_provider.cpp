#include "legacy_provider.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/provider.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace pullcred_ra {

namespace {

namespace fs = std::filesystem;

bool trusted(int fd, bool directory) {
    struct stat st {};
    if (fstat(fd, &st) != 0) return false;
    if (directory ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) return false;
    if (st.st_uid != 0 && st.st_uid != geteuid()) return false;
    return (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

// `dir`/legacy.so opened when it and every directory from / down to `dir`
// are trusted, each opened without following a symlink and checked with
// fstat; -1 otherwise.
int open_trusted_module(const fs::path &dir) {
    int parent = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (parent < 0) return -1;
    if (!trusted(parent, true)) {
        close(parent);
        return -1;
    }
    for (const auto &part : dir.relative_path()) {
        const int next = openat(parent, part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(parent);
        if (next < 0) return -1;
        parent = next;
        if (!trusted(parent, true)) {
            close(parent);
            return -1;
        }
    }
    const int file = openat(parent, "legacy.so", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    close(parent);
    if (file >= 0 && !trusted(file, false)) {
        close(file);
        return -1;
    }
    return file;
}

std::optional<fs::path> resolved(const char *path) {
    if (path == nullptr || *path == '\0') return std::nullopt;
    char out[PATH_MAX];
    if (realpath(path, out) == nullptr) return std::nullopt;
    return fs::path(out);
}

// Where a bundle keeps the module: lib/pullcred/sys/ossl-modules, seen from
// lib/pullcred/modules (this plugin) or lib/pullcred (the signing helper).
std::vector<fs::path> bundle_candidates() {
    std::vector<fs::path> images;
    Dl_info info{};
    if (dladdr(reinterpret_cast<void *>(&bundle_candidates), &info) != 0) // NOLINT
        if (auto path = resolved(info.dli_fname)) images.push_back(*path);
    if (auto exe = resolved("/proc/self/exe")) images.push_back(*exe);
    std::vector<fs::path> out;
    for (const auto &image : images)
        for (const auto &base : {image.parent_path(), image.parent_path().parent_path()})
            out.push_back(base / "sys" / "ossl-modules");
    return out;
}

OSSL_PROVIDER *load_from_bundle() {
    for (const auto &dir : bundle_candidates()) {
        const int fd = open_trusted_module(dir);
        if (fd < 0) continue;
        // Loaded through the descriptor checked, never through the path
        // again; the descriptor stays open with the provider.
        const std::string path = "/proc/self/fd/" + std::to_string(fd);
        if (auto *provider = OSSL_PROVIDER_try_load(nullptr, path.c_str(), 1)) return provider;
        close(fd);
        ERR_clear_error();
    }
    return nullptr;
}

} // namespace

void load_legacy_provider() {
    static OSSL_PROVIDER *const legacy = [] {
        if (auto *provider = OSSL_PROVIDER_try_load(nullptr, "legacy", 1)) return provider;
        ERR_clear_error();
        return load_from_bundle();
    }();
    (void)legacy;
    ERR_clear_error();
}

} // namespace pullcred_ra
