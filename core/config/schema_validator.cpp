#include "config/schema_validator.hpp"

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "util/json_strict.hpp"

namespace pullcred::config {

struct SchemaValidator::Compiled {
    valijson::Schema schema;
};

SchemaValidator::SchemaValidator(std::unique_ptr<Compiled> compiled) : compiled_(std::move(compiled)) {}
SchemaValidator::SchemaValidator(SchemaValidator &&) noexcept = default;
SchemaValidator &SchemaValidator::operator=(SchemaValidator &&) noexcept = default;
SchemaValidator::~SchemaValidator() = default;

Result<SchemaValidator> SchemaValidator::compile(std::string_view schema_json) {
    auto document = parse_json_strict(schema_json);
    if (!document) return make_error("schema: " + document.error().message);
    auto compiled = std::make_unique<Compiled>();
    try {
        valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
        const valijson::adapters::NlohmannJsonAdapter adapter(*document);
        parser.populateSchema(adapter, compiled->schema);
    } catch (const std::exception &e) {
        return make_error(std::string("schema: ") + e.what());
    }
    return SchemaValidator(std::move(compiled));
}

namespace {
// valijson context entries look like "<root>", "[registries]", "[0]".
std::string path_from_context(const std::vector<std::string> &context) {
    std::string path;
    for (const auto &part : context) {
        if (part == "<root>" || part.size() < 2 || part.front() != '[') continue;
        const auto inner = part.substr(1, part.size() - 2);
        const bool index = !inner.empty() && inner.find_first_not_of("0123456789") == std::string::npos;
        if (index)
            path.append("[").append(inner).append("]");
        else
            path = join_path(path, inner);
    }
    return path;
}
} // namespace

std::vector<Problem> SchemaValidator::validate(const nlohmann::json &document) const {
    valijson::Validator validator(valijson::Validator::kStrongTypes);
    valijson::ValidationResults results;
    const valijson::adapters::NlohmannJsonAdapter adapter(document);
    std::vector<Problem> problems;
    try {
        if (validator.validate(compiled_->schema, adapter, &results)) return problems;
    } catch (const std::exception &e) {
        problems.push_back({"", std::string("validation failed: ") + e.what()});
        return problems;
    }
    // valijson reports each failure and every enclosing one ("failed to
    // validate against schema associated with property ..."); keep the
    // innermost problem of each path.
    valijson::ValidationResults::Error error;
    std::vector<Problem> all;
    while (results.popError(error)) all.push_back({path_from_context(error.context), error.description});
    const auto encloses = [](const std::string &outer, const std::string &inner) {
        return inner.size() > outer.size() && inner.compare(0, outer.size(), outer) == 0 &&
               (outer.empty() || inner[outer.size()] == '.' || inner[outer.size()] == '[');
    };
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
        bool redundant = false;
        for (const auto &other : all) redundant = redundant || encloses(it->path, other.path);
        for (const auto &kept : problems) redundant = redundant || kept.path == it->path;
        if (!redundant) problems.push_back(*it);
    }
    return problems;
}

} // namespace pullcred::config
