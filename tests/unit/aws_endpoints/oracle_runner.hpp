// Runs oracle.py (see there) with PULLCRED_PYTHON over files in a scratch
// directory.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <sys/wait.h>

namespace pullcred::aws::testing {

inline std::string hex(std::string_view bytes) {
    constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (char c : bytes) {
        const auto u = static_cast<unsigned char>(c);
        out += kDigits[u >> 4];
        out += kDigits[u & 0xf];
    }
    return out;
}

inline std::string shell_quote(const std::string &s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out += c;
        }
    }
    return out + "'";
}

struct OracleRun {
    int status = -1;                // exit status; 3 = botocore missing
    std::vector<std::string> lines; // OUT, one entry a line
    std::string stderr_text;
};

class Oracle {
public:
    Oracle() {
        const char *base = std::getenv("TMPDIR"); // NOLINT(concurrency-mt-unsafe)
        std::string pattern =
            std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/pullcred-oracle-XXXXXX";
        if (mkdtemp(pattern.data()) != nullptr) dir_ = pattern;
    }
    Oracle(const Oracle &) = delete;
    Oracle &operator=(const Oracle &) = delete;
    ~Oracle() {
        std::error_code ec;
        if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
    }

    // `input` lines are written as given (callers hex-encode arbitrary bytes).
    OracleRun run(const std::string &mode, const std::vector<std::string> &input) const {
        const std::string in = dir_ + "/in", out = dir_ + "/out", err = dir_ + "/err";
        {
            std::ofstream f(in, std::ios::binary);
            for (const auto &line : input) f << line << '\n';
        }
        std::string command = shell_quote(PULLCRED_PYTHON) + " " + shell_quote(AWS_ENDPOINTS_ORACLE) + " " +
                              shell_quote(mode) + " ";
        if (mode != "partitions") command += shell_quote(in) + " ";
        command += shell_quote(out) + " 2> " + shell_quote(err);
        OracleRun result;
        const int raw = std::system(command.c_str()); // NOLINT(concurrency-mt-unsafe)
        result.status = (raw != -1 && WIFEXITED(raw)) ? WEXITSTATUS(raw) : -1;
        std::ifstream o(out, std::ios::binary);
        for (std::string line; std::getline(o, line);) result.lines.push_back(line);
        std::ifstream e(err, std::ios::binary);
        result.stderr_text.assign(std::istreambuf_iterator<char>(e), std::istreambuf_iterator<char>());
        return result;
    }

private:
    std::string dir_;
};

inline std::vector<std::string> split_words(const std::string &line) {
    std::istringstream in(line);
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    return words;
}

} // namespace pullcred::aws::testing
