#include "config/loader.hpp"

#include "config/model_builder.hpp"
#include "util/input_file.hpp"

namespace pullcred::config {

namespace {

const SchemaValidator *schema_validator(std::vector<Problem> &problems) {
    static auto compiled = SchemaValidator::compile(config_schema());
    if (!compiled) {
        problems.push_back({"", "internal error: " + compiled.error().message});
        return nullptr;
    }
    return &*compiled;
}

} // namespace

std::vector<std::string> LoadResult::messages() const {
    std::vector<std::string> lines;
    for (const auto &problem : problems) {
        std::string line = "config " + (config.file.empty() ? std::string("(built-in)") : config.file) + ": ";
        if (!problem.path.empty()) line += problem.path + ": ";
        lines.push_back(line + problem.message);
    }
    return lines;
}

std::string LoadResult::summary() const {
    auto lines = messages();
    if (lines.empty()) return {};
    if (lines.size() > 1)
        lines.front() += " (and " + std::to_string(lines.size() - 1) + " more; run `pullcred check-config`)";
    return lines.front();
}

LoadResult parse_config(std::string_view text, const std::string &file_name, const KnownValid &known_valid) {
    LoadResult result;
    result.config.file = file_name;
    auto document = read_document(text, file_name, result.problems);
    if (!document) return result;
    if (known_valid) {
        try {
            build_config(*document, result.config, result.problems);
            if (result.problems.empty() && known_valid(result.config, text)) return result;
        } catch (const nlohmann::json::exception &) { // not schema-valid: the schema says why below
        }
        result = LoadResult{};
        result.config.file = file_name;
    }
    const auto *validator = schema_validator(result.problems);
    if (validator == nullptr) return result;
    result.problems = validator->validate(*document);
    if (!result.problems.empty()) return result;
    build_config(*document, result.config, result.problems);
    return result;
}

LoadResult load_config_file(const std::filesystem::path &path, const KnownValid &known_valid) {
    // The config names the programs and modules pullcred runs: trust-checked
    // (util/trust.hpp) before a byte of it is used.
    auto input = read_input_file(path, "config");
    if (!input || !*input) {
        LoadResult result;
        result.config.file = path.string();
        const auto prefix = "config " + path.string() + ": ";
        auto message = input ? std::string("no such file") : input.error().message;
        if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
        result.problems.push_back({"", message});
        return result;
    }
    auto result = parse_config((*input)->content, path.string(), known_valid);
    result.text = std::move((*input)->content);
    return result;
}

} // namespace pullcred::config
