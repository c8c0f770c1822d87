#include "modules/elf_symbols.hpp"

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <elf.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace pullcred::modules {

namespace {

#if defined(__x86_64__)
constexpr std::uint16_t kMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr std::uint16_t kMachine = EM_AARCH64;
#elif defined(__riscv) && __riscv_xlen == 64
constexpr std::uint16_t kMachine = EM_RISCV;
#elif defined(__powerpc64__)
constexpr std::uint16_t kMachine = EM_PPC64;
#elif defined(__s390x__)
constexpr std::uint16_t kMachine = EM_S390;
#else
constexpr std::uint16_t kMachine =
    EM_NONE; // an unknown machine: every module is refused, loudly, by the tests
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
constexpr unsigned char kData = ELFDATA2LSB;
#else
constexpr unsigned char kData = ELFDATA2MSB;
#endif

constexpr std::uint64_t kMaxSections = std::uint64_t{1} << 20;
constexpr std::uint64_t kMaxSymbols = std::uint64_t{1} << 22;
constexpr std::size_t kChunk = 256; // table entries read at a time

class ElfFile {
public:
    ElfFile(int fd, std::uint64_t size) : fd_(fd), size_(size) {}

    // [offset, offset + length) lies within the file.
    [[nodiscard]] bool holds(std::uint64_t offset, std::uint64_t length) const {
        return offset <= size_ && length <= size_ - offset;
    }

    // Exactly `length` bytes at `offset`, which holds() vouched for.
    Status read(std::uint64_t offset, void *out, std::size_t length) const {
        auto *bytes = static_cast<char *>(out);
        std::size_t done = 0;
        while (done < length) {
            const auto n = ::pread(fd_, bytes + done, length - done, static_cast<off_t>(offset + done));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return Error::failed(std::string("could not be read: ") + std::strerror(errno));
            if (n == 0) return Error::failed("is shorter than its own headers say (truncated?)");
            done += static_cast<std::size_t>(n);
        }
        return ok();
    }

    // `count` records of type T from `offset`, `kChunk` at a time; `visit`
    // returns true to stop.
    template <class T, class Visit>
    Result<bool> each(std::uint64_t offset, std::uint64_t count, Visit visit) const {
        std::vector<T> chunk;
        for (std::uint64_t first = 0; first < count; first += kChunk) {
            const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, count - first));
            chunk.resize(n);
            if (auto status = read(offset + first * sizeof(T), chunk.data(), n * sizeof(T)); !status)
                return status.error();
            for (const auto &record : chunk) {
                auto stop = visit(record);
                if (!stop) return stop.error();
                if (*stop) return true;
            }
        }
        return false;
    }

private:
    int fd_;
    std::uint64_t size_;
};

Result<Elf64_Ehdr> read_header(const ElfFile &file) {
    Elf64_Ehdr header{};
    if (!file.holds(0, SELFMAG)) return Error::failed("is not an ELF file");
    if (auto status = file.read(0, &header, SELFMAG); !status) return status.error();
    if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) return Error::failed("is not an ELF file");
    if (!file.holds(0, sizeof(Elf64_Ehdr))) return Error::failed("is too short to be an ELF shared object");
    if (auto status = file.read(0, &header, sizeof header); !status) return status.error();
    if (header.e_ident[EI_CLASS] == ELFCLASS32) return Error::failed("is a 32-bit ELF file, not 64-bit");
    if (header.e_ident[EI_CLASS] != ELFCLASS64) return Error::failed("is an ELF file of an unknown class");
    if (header.e_ident[EI_DATA] != kData) return Error::failed("is an ELF file of the other byte order");
    if (header.e_ident[EI_VERSION] != EV_CURRENT || header.e_version != EV_CURRENT)
        return Error::failed("is an ELF file of an unknown version");
    if (header.e_machine != kMachine)
        return Error::failed("is an ELF file for another machine (e_machine " +
                             std::to_string(header.e_machine) + ")");
    if (header.e_type != ET_DYN)
        return Error::failed("is an ELF file but not a shared object (e_type " +
                             std::to_string(header.e_type) + ")");
    return header;
}

Result<std::uint64_t> section_count(const ElfFile &file, const Elf64_Ehdr &header) {
    if (header.e_shoff == 0) return Error::failed("has no ELF section headers");
    if (header.e_shentsize != sizeof(Elf64_Shdr))
        return Error::failed("has ELF section headers of a wrong size");
    std::uint64_t count = header.e_shnum;
    if (count == 0) { // extended numbering: the count is section 0's sh_size
        if (!file.holds(header.e_shoff, sizeof(Elf64_Shdr)))
            return Error::failed("has section headers past its end");
        Elf64_Shdr first{};
        if (auto status = file.read(header.e_shoff, &first, sizeof first); !status) return status.error();
        count = first.sh_size;
    }
    if (count == 0 || count > kMaxSections) return Error::failed("has an invalid number of ELF sections");
    if (!file.holds(header.e_shoff, count * sizeof(Elf64_Shdr)))
        return Error::failed("has section headers past its end");
    return count;
}

// Whether the SHT_DYNSYM section `symbols` defines `name` as a global or
// weak function.
Result<bool> table_defines(const ElfFile &file, const Elf64_Ehdr &header, std::uint64_t sections,
                           const Elf64_Shdr &symbols, std::string_view name) {
    if (symbols.sh_entsize != sizeof(Elf64_Sym) || symbols.sh_size % sizeof(Elf64_Sym) != 0 ||
        !file.holds(symbols.sh_offset, symbols.sh_size))
        return Error::failed("has a malformed dynamic symbol table");
    const auto count = symbols.sh_size / sizeof(Elf64_Sym);
    if (count > kMaxSymbols) return Error::failed("has more dynamic symbols than any module could");
    if (symbols.sh_link == 0 || symbols.sh_link >= sections)
        return Error::failed("has a dynamic symbol table without a string table");
    Elf64_Shdr strings{};
    if (auto status =
            file.read(header.e_shoff + symbols.sh_link * sizeof(Elf64_Shdr), &strings, sizeof strings);
        !status)
        return status.error();
    if (strings.sh_type != SHT_STRTAB || !file.holds(strings.sh_offset, strings.sh_size))
        return Error::failed("has a malformed dynamic string table");

    std::string wanted(name);
    wanted.push_back('\0');
    std::string candidate(wanted.size(), '\0');
    return file.each<Elf64_Sym>(symbols.sh_offset, count, [&](const Elf64_Sym &symbol) -> Result<bool> {
        const auto binding = ELF64_ST_BIND(symbol.st_info);
        if (ELF64_ST_TYPE(symbol.st_info) != STT_FUNC || (binding != STB_GLOBAL && binding != STB_WEAK) ||
            symbol.st_shndx == SHN_UNDEF)
            return false;
        if (symbol.st_name >= strings.sh_size || wanted.size() > strings.sh_size - symbol.st_name)
            return false;
        if (auto status = file.read(strings.sh_offset + symbol.st_name, candidate.data(), candidate.size());
            !status)
            return status.error();
        return candidate == wanted;
    });
}

} // namespace

Result<bool> defines_dynamic_function(int fd, std::string_view name) {
    struct stat info {};
    if (::fstat(fd, &info) != 0)
        return Error::failed(std::string("could not be examined: ") + std::strerror(errno));
    const ElfFile file(fd, static_cast<std::uint64_t>(info.st_size));
    auto header = read_header(file);
    if (!header) return header.error();
    auto sections = section_count(file, *header);
    if (!sections) return sections.error();
    return file.each<Elf64_Shdr>(header->e_shoff, *sections, [&](const Elf64_Shdr &section) -> Result<bool> {
        if (section.sh_type != SHT_DYNSYM) return false;
        return table_defines(file, *header, *sections, section, name);
    });
}

} // namespace pullcred::modules
