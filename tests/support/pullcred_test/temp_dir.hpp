// A scratch directory for one test ($TMPDIR/pullcred-XXXXXX), removed afterwards.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <stdlib.h>
#include <string>

namespace pullcred_test {

class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "pullcred-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp " + pattern + " failed");
        path_ = pattern;
    }
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }

    // The directory, or `name` inside it.
    [[nodiscard]] std::string path(const std::string &name = "") const {
        return name.empty() ? path_.string() : (path_ / name).string();
    }
    // Writes `name` (parent directories made as needed) with `mode`; returns its path.
    std::string write(const std::string &name, const std::string &content,
                      std::filesystem::perms mode = std::filesystem::perms(0644)) const {
        const auto file = path_ / name;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary | std::ios::trunc) << content;
        std::filesystem::permissions(file, mode);
        return file.string();
    }
    // An executable script (mode 755).
    std::string script(const std::string &name, const std::string &content) const {
        return write(name, content, std::filesystem::perms(0755));
    }
    [[nodiscard]] std::string read(const std::string &name) const {
        std::ifstream in(path_ / name, std::ios::binary);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }

private:
    std::filesystem::path path_;
};

} // namespace pullcred_test
