#include "command/program_search.hpp"

#include <cstdlib>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

namespace pullcred::command {

std::vector<std::string> exec_candidates(const std::string &program) {
    if (program.find('/') != std::string::npos) return {program};
    const char *path = std::getenv("PATH"); // NOLINT(concurrency-mt-unsafe): read-only use
    const std::string_view dirs = path != nullptr ? path : "/bin:/usr/bin";
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        const auto colon = dirs.find(':', start);
        auto dir =
            dirs.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
        if (dir.empty()) dir = ".";
        out.push_back(std::string(dir) + (dir.back() == '/' ? "" : "/") + program);
        if (colon == std::string_view::npos) break;
        start = colon + 1;
    }
    return out;
}

std::string resolve_program(const std::string &program) {
    const auto paths = exec_candidates(program);
    if (program.find('/') != std::string::npos) return paths.front();
    for (const auto &path : paths) {
        struct stat info {};
        if (::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && ::access(path.c_str(), X_OK) == 0)
            return path;
    }
    for (const auto &path : paths)
        if (::access(path.c_str(), F_OK) == 0) return path;
    return {};
}

} // namespace pullcred::command
