#include "cli/input_checks.hpp"

#include <cstdlib>
#include <sys/stat.h>
#include <unistd.h>

#include "command/program_search.hpp"
#include "text/quote.hpp"
#include "util/input_file.hpp"

namespace pullcred::cli {

bool check_input_file(const std::string &file, const std::string &path, Problems &problems) {
    auto read = read_input_file(file, "file");
    if (!read) {
        problems.push_back({path, read.error().message});
        return false;
    }
    if (!*read) {
        problems.push_back(
            {path, file + " does not exist: correct the path, or create or mount the file there"});
        return false;
    }
    return true;
}

bool check_input_directory(const std::string &dir, const std::string &path, std::string_view layout,
                           Problems &problems) {
    struct stat info {};
    if (::stat(dir.c_str(), &info) != 0) {
        problems.push_back({path, dir + " does not exist: mount the Secret there or correct the path (" +
                                      std::string(layout) + ")"});
        return false;
    }
    if (!S_ISDIR(info.st_mode)) {
        problems.push_back({path, dir + " is not a directory: name the directory the Secret is mounted at"});
        return false;
    }
    return true;
}

void check_env_set(const std::string &name, const std::string &path, Problems &problems) {
    if (std::getenv(name.c_str()) != nullptr) return; // NOLINT(concurrency-mt-unsafe): read-only use
    problems.push_back({path, "environment variable " + name +
                                  " is not set in pullcred's environment: set it (for kubelet: in the `env` "
                                  "of the provider in its "
                                  "CredentialProviderConfig)"});
}

void check_command_program(const std::string &command, const std::string &path, Problems &problems) {
    const auto start = command.find_first_not_of(" \t");
    if (start == std::string::npos) return;
    const auto word = command.substr(start, command.find_first_of(" \t", start) - start);
    // A quoted or escaped first word is the module's to split.
    if (word.find_first_of("\"'\\$") != std::string::npos) return;
    if (word.front() == '~') {
        problems.push_back({path, "the program " + text::quote_bounded(word) +
                                      " starts with ~, which is not expanded: write its full path"});
        return;
    }
    const auto program = word.find('/') != std::string::npos ? word : command::resolve_program(word);
    if (program.empty()) {
        problems.push_back({path, "the program " + text::quote_bounded(word) +
                                      " was not found in any PATH directory of pullcred's environment: "
                                      "install it or write its full path"});
        return;
    }
    auto checked = read_input_file(program, "program", InputUse::program);
    if (!checked)
        problems.push_back({path, checked.error().message});
    else if (!*checked)
        problems.push_back(
            {path, program + " does not exist: install the program there or correct the path"});
}

} // namespace pullcred::cli
