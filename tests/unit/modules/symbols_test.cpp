// Every module exports exactly one dynamic symbol: pullcred_module_entry.
#include <array>
#include <cstdio>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "fixture_paths.hpp"
#include "modules/registry.hpp"

namespace {
std::vector<std::string> defined_dynamic_symbols(const std::filesystem::path &path) {
    const auto command = "nm -D --defined-only --format=posix '" + path.string() + "' 2>&1";
    std::FILE *pipe = ::popen(command.c_str(), "r");
    std::vector<std::string> symbols;
    std::array<char, 512> line{};
    while (std::fgets(line.data(), line.size(), pipe) != nullptr) {
        std::string text(line.data());
        symbols.push_back(text.substr(0, text.find(' ')));
    }
    ::pclose(pipe);
    return symbols;
}
} // namespace

TEST(ModuleSymbols, TestModulesExportOnlyTheEntrySymbol) {
    for (const auto *name : {"test_good", "test_create_throws", "test_c_ok"})
        EXPECT_THAT(defined_dynamic_symbols(fixture(name)), testing::ElementsAre("pullcred_module_entry"))
            << name;
}

TEST(ModuleSymbols, InTreeModulesExportOnlyTheEntrySymbol) {
    const auto dir = std::filesystem::path(PULLCRED_BINARY_DIR) / "lib" / "pullcred" / "modules";
    std::vector<std::string> names;
    for (const auto &file : pullcred::modules::module_files(dir)) {
        names.push_back(file.filename().string());
        EXPECT_THAT(defined_dynamic_symbols(file), testing::ElementsAre("pullcred_module_entry")) << file;
    }
    EXPECT_THAT(names, testing::UnorderedElementsAre("registry-ecr.so", "source-process.so",
                                                     "source-rolesanywhere.so", "source-static.so"));
}
