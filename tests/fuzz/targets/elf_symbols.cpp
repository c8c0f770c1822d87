// modules::defines_dynamic_function on an ELF file (through a memfd, as the
// loader reads a module through its descriptor).
// Properties: never crashes nor reads out of bounds; an error is one
// non-empty line; the entry is found only when its name and a NUL are in
// the file.
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_check.hpp"
#include "modules/elf_symbols.hpp"

using namespace pullcred;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const int fd = ::memfd_create("fuzz-elf", MFD_CLOEXEC);
    if (fd < 0) return 0;
    std::size_t written = 0;
    while (written < size) {
        const auto n = ::write(fd, data + written, size - written);
        if (n <= 0) break;
        written += static_cast<std::size_t>(n);
    }
    const auto found = modules::defines_dynamic_function(fd, "pullcred_module_entry");
    ::close(fd);
    if (!found) {
        const auto &message = found.error().message;
        FUZZ_CHECK(!message.empty(), "empty error");
        FUZZ_CHECK(message.find('\n') == std::string::npos, "error on two lines: " + fuzz::escape(message));
        return 0;
    }
    if (*found) {
        const auto text = fuzz::as_text(data, size);
        FUZZ_CHECK(text.find(std::string_view("pullcred_module_entry\0", 22)) != std::string_view::npos,
                   "entry found in a file without its name");
    }
    return 0;
}
