#include "config/schema_validator.hpp"

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "config/schema_messages.hpp"
#include "util/json_strict.hpp"

namespace pullcred::config {

struct SchemaValidator::Compiled {
    valijson::Schema schema;
    nlohmann::json text; // for the words of its problems (schema_messages.hpp)
};

SchemaValidator::SchemaValidator(std::unique_ptr<Compiled> compiled) : compiled_(std::move(compiled)) {}
SchemaValidator::SchemaValidator(SchemaValidator &&) noexcept = default;
SchemaValidator &SchemaValidator::operator=(SchemaValidator &&) noexcept = default;
SchemaValidator::~SchemaValidator() = default;

Result<SchemaValidator> SchemaValidator::compile(std::string_view schema_json) {
    auto document = parse_json_strict(schema_json);
    if (!document) return Error::failed("schema: " + document.error().message);
    auto compiled = std::make_unique<Compiled>();
    try {
        valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
        const valijson::adapters::NlohmannJsonAdapter adapter(*document);
        parser.populateSchema(adapter, compiled->schema);
        compiled->text = *document;
    } catch (const std::exception &e) {
        return Error::failed(std::string("schema: ") + e.what());
    }
    return SchemaValidator(std::move(compiled));
}

std::vector<Problem> SchemaValidator::validate(const nlohmann::json &document) const {
    valijson::Validator validator(valijson::Validator::kStrongTypes);
    valijson::ValidationResults results;
    const valijson::adapters::NlohmannJsonAdapter adapter(document);
    try {
        if (validator.validate(compiled_->schema, adapter, &results)) return {};
    } catch (const std::exception &e) {
        return {{"", std::string("validation failed: ") + e.what()}};
    }
    // valijson reports each failure, then each enclosing one; in document order.
    valijson::ValidationResults::Error error;
    std::vector<SchemaError> errors;
    while (results.popError(error)) errors.push_back({error.context, error.description});
    return plain_schema_problems(errors, compiled_->text, document);
}

} // namespace pullcred::config
