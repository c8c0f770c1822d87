#include "cli/lenient_config.hpp"

#include "config/model_builder.hpp"
#include "config/partial_build.hpp"
#include "config/schema_validator.hpp"
#include "util/input_file.hpp"

namespace pullcred::cli {

namespace {

std::vector<std::string> module_paths_of(const nlohmann::json &document) {
    std::vector<std::string> paths;
    auto modules = document.find("modules");
    if (modules == document.end() || !modules->is_array()) return paths;
    for (const auto &entry : *modules) {
        if (entry.is_string())
            paths.push_back(entry.get<std::string>());
        else if (entry.is_object() && entry.contains("path") && entry["path"].is_string())
            paths.push_back(entry["path"].get<std::string>());
        else
            paths.emplace_back();
    }
    return paths;
}

} // namespace

LenientConfig load_leniently(const config::ConfigLocation &location) {
    LenientConfig result;
    std::error_code error;
    if (!location.explicit_choice && !std::filesystem::exists(location.path, error)) {
        auto builtin = config::builtin_config();
        result.config = std::move(builtin.config);
        result.problems = std::move(builtin.problems);
        result.checkable = true;
        return result;
    }
    const auto file = location.path.string();
    result.config.file = file;
    auto input = read_input_file(location.path, "config");
    if (!input || !*input) {
        auto message =
            input ? std::string("no such file: correct --config or PULLCRED_CONFIG") : input.error().message;
        if (const auto prefix = "config " + file + ": "; message.rfind(prefix, 0) == 0)
            message.erase(0, prefix.size());
        result.problems.push_back({"", message});
        return result;
    }
    auto document = config::read_document((*input)->content, file, result.problems);
    if (!document) return result;
    static auto validator = config::SchemaValidator::compile(config::config_schema());
    if (!validator) {
        result.problems.push_back({"", "internal error: " + validator.error().message});
        return result;
    }
    result.schema_problems = validator->validate(*document);
    result.module_paths = module_paths_of(*document);
    config::build_partial_config(*document, result.schema_problems, result.config, result.problems);
    result.config.file = file;
    result.checkable = true;
    return result;
}

} // namespace pullcred::cli
