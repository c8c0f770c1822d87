#include "config/schema_messages.hpp"

#include <algorithm>
#include <optional>
#include <regex>
#include <set>

#include "text/quote.hpp"

namespace pullcred::config {

namespace {

using nlohmann::json;

constexpr std::size_t kValueQuoteLimit = 64;

struct Step {
    std::string key;
    std::optional<std::size_t> index;
};

enum class Kind {
    value,       // the value breaks a constraint: "expected ..., got ..."
    missing,     // a required key is absent
    unknown_key, // a key the schema does not allow
    wrapper,     // an enclosing object or list failed because of what is inside
    other,       // a text this file does not know: kept as valijson wrote it
};

struct Classified {
    std::vector<Step> steps;
    Kind kind = Kind::other;
    std::string raw;
};

bool starts_with(const std::string &text, std::string_view prefix) {
    return text.rfind(prefix, 0) == 0;
}

// The name between the last pair of single quotes ("... 'foo'.").
std::string quoted_name(const std::string &text) {
    const auto close = text.rfind('\'');
    if (close == std::string::npos || close == 0) return {};
    const auto open = text.rfind('\'', close - 1);
    if (open == std::string::npos) return {};
    return text.substr(open + 1, close - open - 1);
}

const json *child(const json *value, const Step &step) {
    if (value == nullptr) return nullptr;
    if (step.index && value->is_array())
        return *step.index < value->size() ? &(*value)[*step.index] : nullptr;
    if (!value->is_object()) return nullptr;
    auto it = value->find(step.key);
    return it == value->end() ? nullptr : &*it;
}

const json *value_at(const json &document, const std::vector<Step> &steps) {
    const json *value = &document;
    for (const auto &step : steps) value = child(value, step);
    return value;
}

// valijson's context as steps; "[0]" is an index where the document has a list.
std::vector<Step> steps_of(const std::vector<std::string> &context, const json &document) {
    std::vector<Step> steps;
    const json *value = &document;
    for (const auto &part : context) {
        if (part == "<root>" || part.size() < 2 || part.front() != '[') continue;
        Step step{part.substr(1, part.size() - 2), std::nullopt};
        const bool digits =
            !step.key.empty() && step.key.find_first_not_of("0123456789") == std::string::npos;
        if (digits && value != nullptr && value->is_array()) step.index = std::stoul(step.key);
        value = child(value, step);
        steps.push_back(std::move(step));
    }
    return steps;
}

std::string path_of(const std::vector<Step> &steps) {
    std::string path;
    for (const auto &step : steps) {
        if (step.index)
            path += "[" + std::to_string(*step.index) + "]";
        else
            path = join_path(path, step.key);
    }
    return path;
}

// A schema node with its "#/definitions/..." reference resolved; the node's
// own title, examples and description win over the definition's.
json resolved(const json &node, const json &root) {
    if (!node.is_object() || !node.contains("$ref") || !node["$ref"].is_string()) return node;
    const auto ref = node["$ref"].get<std::string>();
    const std::string prefix = "#/definitions/";
    if (!starts_with(ref, prefix)) return node;
    auto definitions = root.find("definitions");
    if (definitions == root.end() || !definitions->contains(ref.substr(prefix.size()))) return node;
    json merged = resolved((*definitions)[ref.substr(prefix.size())], root);
    for (const auto *key : {"title", "examples", "description"})
        if (node.contains(key)) merged[key] = node[key];
    return merged;
}

json schema_child(const json &node, const Step &step, const json &root) {
    if (!node.is_object()) return nullptr;
    if (auto one_of = node.find("oneOf"); one_of != node.end() && one_of->is_array()) {
        for (const auto &branch : *one_of) {
            auto found = schema_child(resolved(branch, root), step, root);
            if (!found.is_null()) return found;
        }
        return nullptr;
    }
    if (step.index) {
        auto items = node.find("items");
        return items != node.end() && items->is_object() ? resolved(*items, root) : json();
    }
    if (auto properties = node.find("properties"); properties != node.end() && properties->contains(step.key))
        return resolved((*properties)[step.key], root);
    auto additional = node.find("additionalProperties");
    return additional != node.end() && additional->is_object() ? resolved(*additional, root) : json();
}

json schema_at(const json &root, const std::vector<Step> &steps) {
    json node = resolved(root, root);
    for (const auto &step : steps) {
        node = schema_child(node, step, root);
        if (node.is_null()) break;
    }
    return node;
}

std::string number_text(const json &number) {
    return number.dump();
}

std::string describe_expected(const json &schema, const json &root);

std::string joined(const std::vector<std::string> &parts, std::string_view last) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) out += i + 1 == parts.size() ? std::string(last) : std::string(", ");
        out += parts[i];
    }
    return out;
}

std::string describe_type(const json &schema) {
    const auto type = schema.value("type", std::string());
    if (type == "string") return schema.value("minLength", 0) >= 1 ? "a non-empty string" : "a string";
    if (type == "boolean") return "true or false";
    if (type == "array") return schema.value("minItems", 0) >= 1 ? "a non-empty list" : "a list";
    if (type == "object") return "a mapping";
    if (type == "integer" || type == "number") {
        std::string text = type == "integer" ? "a whole number" : "a number";
        if (schema.contains("minimum") && schema.contains("maximum"))
            text += " from " + number_text(schema["minimum"]) + " to " + number_text(schema["maximum"]);
        else if (schema.contains("minimum"))
            text += " of at least " + number_text(schema["minimum"]);
        else if (schema.contains("maximum"))
            text += " of at most " + number_text(schema["maximum"]);
        return text;
    }
    return "a valid value";
}

std::string describe_expected(const json &schema, const json &root) {
    if (!schema.is_object()) return "a valid value";
    if (schema.contains("const")) return schema["const"].dump();
    if (auto values = schema.find("enum"); values != schema.end() && values->is_array()) {
        std::vector<std::string> parts;
        for (const auto &value : *values) parts.push_back(value.dump());
        return "one of " + joined(parts, " or ");
    }
    std::string text;
    if (auto one_of = schema.find("oneOf"); one_of != schema.end() && one_of->is_array()) {
        std::vector<std::string> parts;
        for (const auto &branch : *one_of) parts.push_back(describe_expected(resolved(branch, root), root));
        text = joined(parts, " or ");
    } else if (auto title = schema.find("title"); title != schema.end() && title->is_string()) {
        text = "a " + title->get<std::string>();
    } else {
        text = describe_type(schema);
        if (auto pattern = schema.find("pattern"); pattern != schema.end() && !schema.contains("examples"))
            text += " matching the pattern " + pattern->get<std::string>();
    }
    if (auto examples = schema.find("examples");
        examples != schema.end() && examples->is_array() && !examples->empty())
        text += " such as " + examples->front().dump();
    return text;
}

std::string describe_value(const json *value) {
    if (value == nullptr) return "nothing";
    if (value->is_string())
        return "the string " + text::quote_bounded(value->get_ref<const std::string &>(), kValueQuoteLimit);
    if (value->is_boolean()) return std::string("the value ") + (value->get<bool>() ? "true" : "false");
    if (value->is_number()) return "the number " + value->dump();
    if (value->is_null()) return "an empty value (null)";
    if (value->is_array())
        return value->empty() ? "an empty list" : "a list of " + std::to_string(value->size()) + " entries";
    return "a mapping";
}

std::vector<std::string> known_keys(const json &schema) {
    std::vector<std::string> keys;
    if (!schema.is_object()) return keys;
    if (auto properties = schema.find("properties"); properties != schema.end() && properties->is_object())
        for (const auto &[key, unused] : properties->items()) keys.push_back(key);
    return keys;
}

Classified classify(const SchemaError &error, const json &document) {
    Classified out{steps_of(error.context, document), Kind::other, error.description};
    const auto &text = error.description;
    if (starts_with(text, "Object contains a property that could not be validated")) {
        out.kind = Kind::unknown_key;
        out.steps.push_back({quoted_name(text), std::nullopt});
    } else if (starts_with(text, "Missing required property")) {
        out.kind = Kind::missing;
        out.steps.push_back({quoted_name(text), std::nullopt});
    } else if (starts_with(text, "Failed to validate against schema associated with property name")) {
        // Also all that a refused name (propertyNames) leaves: refused_names finds it.
        out.kind = Kind::wrapper;
        out.steps.push_back({quoted_name(text), std::nullopt});
    } else if (starts_with(text, "Failed to validate against schema associated with") ||
               starts_with(text, "Failed to validate item #") ||
               starts_with(text, "Failed to validate against child schema #") ||
               starts_with(text, "Failed to validate against additional properties schema")) {
        out.kind = Kind::wrapper;
    } else {
        for (const auto *prefix :
             {"Value type not permitted", "Failed to match regex", "Failed to match expected value",
              "Failed to match against any enum", "String should be no", "Array should contain no",
              "Expected number", "Failed to validate against any child schemas allowed by oneOf",
              "Failed to validate against exactly one child schema", "Value should be a multiple",
              "Object should have no"})
            if (starts_with(text, prefix)) out.kind = Kind::value;
    }
    return out;
}

std::string message_for(const Classified &error, const json &schema, const json &document) {
    const auto key = error.steps.empty() ? std::string() : error.steps.back().key;
    switch (error.kind) {
    case Kind::value:
        return "expected " + describe_expected(schema_at(schema, error.steps), schema) + ", got " +
               describe_value(value_at(document, error.steps));
    case Kind::missing:
        return "required but missing: add `" + key + ":` with " +
               describe_expected(schema_at(schema, error.steps), schema);
    case Kind::unknown_key: {
        const auto parent = std::vector<Step>(error.steps.begin(), error.steps.end() - 1);
        const auto keys = known_keys(schema_at(schema, parent));
        if (keys.empty()) return "unknown key: remove it";
        return "unknown key: remove it or correct its spelling (the keys allowed here: " +
               joined(keys, ", ") + ")";
    }
    case Kind::wrapper:
    case Kind::other:
        break;
    }
    return error.raw;
}

// valijson says nothing of a name that propertyNames refuses, only that the
// object failed: the names are tried against the pattern here.
std::vector<Problem> refused_names(const std::vector<Step> &steps, const json &schema, const json &document) {
    std::vector<Problem> problems;
    const auto node = schema_at(schema, steps);
    const auto *value = value_at(document, steps);
    if (!node.is_object() || !node.contains("propertyNames") || value == nullptr || !value->is_object())
        return problems;
    const auto rule = resolved(node["propertyNames"], schema);
    if (!rule.contains("pattern") || !rule["pattern"].is_string()) return problems;
    try {
        const std::regex pattern(rule["pattern"].get<std::string>(), std::regex::ECMAScript);
        for (const auto &[name, unused] : value->items())
            if (!std::regex_search(name, pattern))
                problems.push_back({join_path(path_of(steps), name),
                                    "the name " + text::quote_bounded(name, kValueQuoteLimit) +
                                        " is not allowed: expected " + describe_expected(rule, schema)});
    } catch (const std::regex_error &) {
        return {};
    }
    return problems;
}

} // namespace

std::vector<Problem> plain_schema_problems(const std::vector<SchemaError> &errors, const json &schema,
                                           const json &document) {
    std::vector<Classified> all;
    all.reserve(errors.size());
    for (const auto &error : errors) all.push_back(classify(error, document));
    std::vector<std::string> paths;
    paths.reserve(all.size());
    for (const auto &error : all) paths.push_back(path_of(error.steps));

    std::vector<Problem> problems;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < all.size(); ++i) {
        // An error whose key holds a more specific error says less than it:
        // "registries[0]" failed because "registries[0].backend" did.
        bool enclosing = false;
        for (std::size_t j = 0; j < all.size(); ++j)
            enclosing = enclosing || (paths[j] != paths[i] && path_within(paths[j], paths[i]));
        if (enclosing) continue;
        const bool wrapper_with_company =
            all[i].kind == Kind::wrapper && std::any_of(all.begin(), all.end(), [&](const Classified &other) {
                return &other != &all[i] && other.kind != Kind::wrapper && path_of(other.steps) == paths[i];
            });
        if (wrapper_with_company) continue;
        if (all[i].kind == Kind::wrapper) {
            auto names = refused_names(all[i].steps, schema, document);
            if (!names.empty()) {
                problems.insert(problems.end(), names.begin(), names.end());
                continue;
            }
        }
        auto message = message_for(all[i], schema, document);
        // Every constraint on one value gives the same "expected ..., got ...".
        if (!seen.insert(paths[i] + "\n" + message).second) continue;
        if (all[i].kind == Kind::value && std::any_of(problems.begin(), problems.end(),
                                                      [&](const Problem &p) { return p.path == paths[i]; }))
            continue;
        problems.push_back({paths[i], std::move(message)});
    }
    return problems;
}

} // namespace pullcred::config
