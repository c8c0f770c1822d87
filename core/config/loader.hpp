// Loads a config file (YAML or JSON), validates it against the one schema
// and checks what a schema cannot say (durations, globs, references).
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/model.hpp"
#include "config/schema_validator.hpp"
#include "util/result.hpp"

namespace pullcred::config {

struct LoadResult {
    Config config;                 // meaningful only when problems is empty
    std::vector<Problem> problems; // every problem found, not only the first
    std::string text;              // the file's exact bytes (empty for the built-in config)
    [[nodiscard]] bool ok() const { return problems.empty(); }
    // "config FILE: PATH: MESSAGE", one line per problem.
    [[nodiscard]] std::vector<std::string> messages() const;
    // The first message, plus a hint when there are more.
    [[nodiscard]] std::string summary() const;
};

// Whether the config built from `text` is known to have passed the schema
// already (cli/session.cpp: this exact text's stamp in its cache); then the
// schema is not compiled and run again.
using KnownValid = std::function<bool(const Config &config, std::string_view text)>;

LoadResult load_config_file(const std::filesystem::path &path, const KnownValid &known_valid = {});
LoadResult parse_config(std::string_view text, const std::string &file_name,
                        const KnownValid &known_valid = {});

// The schema text, compiled into the binary from config/pullcred.schema.json.
std::string_view config_schema();

} // namespace pullcred::config
