// JSON Schema (draft-07) validation through valijson, with problems named
// by their key path ("registries[0].matchImages").
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "config/problem.hpp"
#include "util/result.hpp"

namespace pullcred::config {

class SchemaValidator {
public:
    static Result<SchemaValidator> compile(std::string_view schema_json);

    // Every problem found, most specific first; empty when valid.
    [[nodiscard]] std::vector<Problem> validate(const nlohmann::json &document) const;

    SchemaValidator(SchemaValidator &&) noexcept;
    SchemaValidator &operator=(SchemaValidator &&) noexcept;
    ~SchemaValidator();

private:
    struct Compiled;
    explicit SchemaValidator(std::unique_ptr<Compiled> compiled);
    std::unique_ptr<Compiled> compiled_;
};

} // namespace pullcred::config
