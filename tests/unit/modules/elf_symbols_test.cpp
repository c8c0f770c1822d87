// defines_dynamic_function on real modules, a real system library, and
// truncated, garbage and doctored copies of a real module.
#include <cstring>
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <fstream>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <iterator>
#include <sys/mman.h>
#include <unistd.h>

#include "fixture_paths.hpp"
#include "modules/elf_symbols.hpp"
#include "util/unique_fd.hpp"

using pullcred::UniqueFd;
using pullcred::modules::defines_dynamic_function;
using testing::HasSubstr;

namespace {

constexpr const char *kEntry = "pullcred_module_entry";

std::string content_of(const std::filesystem::path &path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

UniqueFd memory_file(const std::string &bytes) {
    UniqueFd fd(::memfd_create("elf-test", MFD_CLOEXEC));
    EXPECT_GE(fd.get(), 0);
    EXPECT_EQ(::write(fd.get(), bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    return fd;
}

pullcred::Result<bool> defines(const std::string &bytes, const char *name = kEntry) {
    const auto fd = memory_file(bytes);
    return defines_dynamic_function(fd.get(), name);
}

pullcred::Result<bool> defines_in_file(const std::filesystem::path &path, const char *name = kEntry) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    EXPECT_GE(fd.get(), 0) << path;
    return defines_dynamic_function(fd.get(), name);
}

// The file a function of this process was loaded from.
std::filesystem::path library_of(const void *function) {
    Dl_info info{};
    EXPECT_NE(::dladdr(function, &info), 0);
    return info.dli_fname;
}

template <class T> void patch(std::string &bytes, std::size_t offset, T value) {
    ASSERT_LE(offset + sizeof value, bytes.size());
    std::memcpy(bytes.data() + offset, &value, sizeof value);
}

Elf64_Ehdr header_of(const std::string &bytes) {
    Elf64_Ehdr header{};
    std::memcpy(&header, bytes.data(), sizeof header);
    return header;
}

// Offset of the section header of the first section of `type`.
std::size_t section_offset(const std::string &bytes, std::uint32_t type) {
    const auto header = header_of(bytes);
    for (std::size_t i = 0; i < header.e_shnum; ++i) {
        const auto at = header.e_shoff + i * sizeof(Elf64_Shdr);
        Elf64_Shdr section{};
        std::memcpy(&section, bytes.data() + at, sizeof section);
        if (section.sh_type == type) return at;
    }
    return 0;
}

} // namespace

TEST(ElfSymbols, FindsTheEntryOfRealModules) {
    for (const char *name : {"test_good", "test_c_ok", "test_wrong_major"}) {
        auto found = defines_in_file(fixture(name));
        ASSERT_TRUE(found.ok()) << name << ": " << found.error().message;
        EXPECT_TRUE(*found) << name;
    }
}

TEST(ElfSymbols, AModuleWithoutTheEntryDefinesNone) {
    auto found = defines_in_file(fixture("test_no_entry"));
    ASSERT_TRUE(found.ok()) << found.error().message;
    EXPECT_FALSE(*found);
}

// libz, where the distribution keeps it.
std::filesystem::path system_libz() {
    for (const char *path :
         {"/usr/lib/x86_64-linux-gnu/libz.so.1", "/lib/x86_64-linux-gnu/libz.so.1",
          "/usr/lib/aarch64-linux-gnu/libz.so.1", "/usr/lib64/libz.so.1", "/lib/libz.so.1"})
        if (std::filesystem::exists(path)) return path;
    return {};
}

TEST(ElfSymbols, RealSystemLibrariesAreNoModules) {
    const auto libz = system_libz();
    ASSERT_FALSE(libz.empty()) << "no libz.so.1 on this system";
    const auto libc = library_of(reinterpret_cast<const void *>(&::write));
    for (const auto &[library, own_function] : {std::pair{libz, "zlibVersion"}, std::pair{libc, "write"}}) {
        auto found = defines_in_file(library);
        ASSERT_TRUE(found.ok()) << library << ": " << found.error().message;
        EXPECT_FALSE(*found) << library;
        // ...though their own functions are found: the table was read.
        auto own = defines_in_file(library, own_function);
        ASSERT_TRUE(own.ok()) << own.error().message;
        EXPECT_TRUE(*own) << library << " " << own_function;
    }
}

TEST(ElfSymbols, OnlyTheExactNameCounts) {
    const auto module = content_of(fixture("test_good"));
    EXPECT_FALSE(*defines(module, "pullcred_module_entr"));
    EXPECT_FALSE(*defines(module, "pullcred_module_entry_"));
    EXPECT_FALSE(*defines(module, ""));
}

TEST(ElfSymbols, GarbageAndShortFilesAreRefusedCleanly) {
    EXPECT_THAT(defines("").error().message, HasSubstr("is not an ELF file"));
    EXPECT_THAT(defines("\x7f").error().message, HasSubstr("is not an ELF file"));
    EXPECT_THAT(defines("\x7f"
                        "ELF")
                    .error()
                    .message,
                HasSubstr("too short"));
    EXPECT_THAT(defines(std::string(200, 'x')).error().message, HasSubstr("is not an ELF file"));
    EXPECT_THAT(defines("#!/bin/sh\necho this is not a library\n" + std::string(100, ' ')).error().message,
                HasSubstr("is not an ELF file"));
}

TEST(ElfSymbols, EveryTruncationOfARealModuleFailsCleanly) {
    const auto module = content_of(fixture("test_good"));
    ASSERT_GT(module.size(), 4096U);
    for (std::size_t size = 0; size < module.size(); size += 1 + size / 8) {
        auto found = defines(module.substr(0, size));
        // Either an error or, never, the entry found in a file too short to hold its tables.
        if (found.ok()) {
            EXPECT_FALSE(*found) << "truncated to " << size;
        }
    }
    // Cut before the section headers at the end: refused.
    EXPECT_FALSE(defines(module.substr(0, module.size() - 1)).ok());
}

TEST(ElfSymbols, OtherClassesMachinesAndTypesAreRefused) {
    const auto module = content_of(fixture("test_good"));
    auto elf32 = module;
    elf32[EI_CLASS] = ELFCLASS32;
    EXPECT_THAT(defines(elf32).error().message, HasSubstr("32-bit"));

    auto swapped = module;
    swapped[EI_DATA] = swapped[EI_DATA] == ELFDATA2LSB ? ELFDATA2MSB : ELFDATA2LSB;
    EXPECT_THAT(defines(swapped).error().message, HasSubstr("byte order"));

    auto foreign = module;
    patch<std::uint16_t>(foreign, offsetof(Elf64_Ehdr, e_machine), EM_SPARCV9);
    EXPECT_THAT(defines(foreign).error().message, HasSubstr("another machine"));

    auto executable = module;
    patch<std::uint16_t>(executable, offsetof(Elf64_Ehdr, e_type), ET_EXEC);
    EXPECT_THAT(defines(executable).error().message, HasSubstr("not a shared object"));
}

TEST(ElfSymbols, HugeOffsetsAndCountsAreRefused) {
    const auto module = content_of(fixture("test_good"));
    auto far = module;
    patch<std::uint64_t>(far, offsetof(Elf64_Ehdr, e_shoff), ~std::uint64_t{0} - 8);
    EXPECT_THAT(defines(far).error().message, HasSubstr("past its end"));

    auto many = module;
    patch<std::uint16_t>(many, offsetof(Elf64_Ehdr, e_shnum), 0xffff);
    EXPECT_THAT(defines(many).error().message, HasSubstr("past its end"));

    auto extended = module; // e_shnum 0: the count is section 0's sh_size
    patch<std::uint16_t>(extended, offsetof(Elf64_Ehdr, e_shnum), 0);
    patch<std::uint64_t>(extended, header_of(module).e_shoff + offsetof(Elf64_Shdr, sh_size),
                         std::uint64_t{1} << 40);
    EXPECT_THAT(defines(extended).error().message, HasSubstr("number of ELF sections"));

    auto wrong_size = module;
    patch<std::uint16_t>(wrong_size, offsetof(Elf64_Ehdr, e_shentsize), 32);
    EXPECT_THAT(defines(wrong_size).error().message, HasSubstr("wrong size"));

    const auto dynsym = section_offset(module, SHT_DYNSYM);
    ASSERT_NE(dynsym, 0U);
    auto symbols_far = module;
    patch<std::uint64_t>(symbols_far, dynsym + offsetof(Elf64_Shdr, sh_offset), ~std::uint64_t{0} - 100);
    EXPECT_THAT(defines(symbols_far).error().message, HasSubstr("malformed dynamic symbol table"));

    auto symbols_huge = module;
    patch<std::uint64_t>(symbols_huge, dynsym + offsetof(Elf64_Shdr, sh_size), std::uint64_t{24} << 40);
    EXPECT_THAT(defines(symbols_huge).error().message, HasSubstr("malformed dynamic symbol table"));

    auto bad_link = module;
    patch<std::uint32_t>(bad_link, dynsym + offsetof(Elf64_Shdr, sh_link), 0xfffffff0U);
    EXPECT_THAT(defines(bad_link).error().message, HasSubstr("without a string table"));

    const auto dynstr_index = [&] {
        Elf64_Shdr section{};
        std::memcpy(&section, module.data() + dynsym, sizeof section);
        return section.sh_link;
    }();
    auto strings_far = module;
    patch<std::uint64_t>(strings_far,
                         header_of(module).e_shoff + dynstr_index * sizeof(Elf64_Shdr) +
                             offsetof(Elf64_Shdr, sh_size),
                         ~std::uint64_t{0});
    EXPECT_THAT(defines(strings_far).error().message, HasSubstr("malformed dynamic string table"));
}

TEST(ElfSymbols, WithoutADynamicSymbolTableThereIsNoEntry) {
    auto module = content_of(fixture("test_good"));
    const auto dynsym = section_offset(module, SHT_DYNSYM);
    ASSERT_NE(dynsym, 0U);
    patch<std::uint32_t>(module, dynsym + offsetof(Elf64_Shdr, sh_type), SHT_PROGBITS);
    auto found = defines(module);
    ASSERT_TRUE(found.ok()) << found.error().message;
    EXPECT_FALSE(*found);
}
