// bin/pullcred: answers a certain cache hit of `get-credentials` itself and
// hands everything else, argv and stdin unchanged, to the full host
// executable (<prefix>/<private lib dir>/pullcred-host). Statically linked,
// no iostreams, no Boost, no modules: what a hit costs is what kubelet waits.
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <sys/mman.h>
#include <unistd.h>

#include "front/command_line.hpp"
#include "front/stamped_config_hit.hpp"
#include "util/install_prefix.hpp"

namespace {

void write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        const auto n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

// Puts `input` back as fd 0, for a host that reads stdin from the start.
bool restore_stdin(std::string_view input) {
    const int fd = ::memfd_create("pullcred-stdin", 0);
    if (fd < 0) return false;
    write_all(fd, input);
    const bool ok = ::lseek(fd, 0, SEEK_SET) == 0 && ::dup2(fd, 0) == 0;
    ::close(fd);
    return ok;
}

[[noreturn]] void exec_host(char **argv, const std::string *input) {
    const auto host = pullcred::host_executable();
    if (input != nullptr && !restore_stdin(*input)) {
        write_all(2, std::string("pullcred: error: cannot hand stdin to ") + host.string() + ": " +
                         std::strerror(errno) + "\n");
        ::_exit(1);
    }
    ::execv(host.c_str(), argv);
    write_all(2, std::string("pullcred: error: cannot run ") + host.string() + ": " + std::strerror(errno) +
                     "; reinstall pullcred\n");
    ::_exit(1);
}

// The front never fails on its own: anything unexpected, even an exception,
// is the host's to answer and report.
std::optional<std::string> answer_hit_or_nothing(std::string_view input, const std::string &config_flag) {
    try {
        return pullcred::front::answer_hit(input, config_flag);
    } catch (...) {
        return std::nullopt;
    }
}

} // namespace

int main(int argc, char **argv) {
    const auto config_flag = pullcred::front::get_credentials_config(argc, argv);
    if (!config_flag) exec_host(argv, nullptr);
    const auto input = pullcred::front::read_request();
    if (!input) exec_host(argv, nullptr);
    if (auto response = answer_hit_or_nothing(*input, *config_flag)) {
        write_all(1, *response);
        return 0;
    }
    exec_host(argv, &*input);
}
