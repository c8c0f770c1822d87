#include "config/yaml_to_json.hpp"

#include <cmath>
#include <cstdlib>
#include <string>
#include <yaml-cpp/yaml.h>

namespace pullcred::config {

namespace {

constexpr int kMaxDepth = 64;

// YAML 1.2 core schema resolution of a plain (unquoted) scalar.
nlohmann::json plain_scalar(const std::string &text) {
    if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") return nullptr;
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
    const char *begin = text.c_str();
    char *end = nullptr;
    const bool looks_numeric = (text[0] >= '0' && text[0] <= '9') ||
                               ((text[0] == '-' || text[0] == '+') && text.size() > 1);
    if (looks_numeric) {
        errno = 0;
        const long long integer = std::strtoll(begin, &end, 10);
        if (errno == 0 && end == begin + text.size()) return integer;
        errno = 0;
        const double real = std::strtod(begin, &end);
        if (errno == 0 && end == begin + text.size() && std::isfinite(real) &&
            text.find_first_of("xXnN") == std::string::npos)
            return real;
    }
    return text;
}

std::string where(const YAML::Node &node) {
    const auto mark = node.Mark();
    if (mark.is_null()) return {};
    return "line " + std::to_string(mark.line + 1) + ": ";
}

Result<nlohmann::json> convert(const YAML::Node &node, int depth) {
    if (depth > kMaxDepth) return make_error(where(node) + "nesting deeper than " + std::to_string(kMaxDepth));
    switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return nlohmann::json(nullptr);
    case YAML::NodeType::Scalar:
        // A quoted scalar is tagged "!"; only plain scalars are typed.
        if (node.Tag() == "!") return nlohmann::json(node.Scalar());
        return plain_scalar(node.Scalar());
    case YAML::NodeType::Sequence: {
        auto array = nlohmann::json::array();
        for (const auto &item : node) {
            auto value = convert(item, depth + 1);
            if (!value) return value;
            array.push_back(std::move(*value));
        }
        return array;
    }
    case YAML::NodeType::Map: {
        auto object = nlohmann::json::object();
        for (const auto &entry : node) {
            if (!entry.first.IsScalar()) return make_error(where(entry.first) + "mapping keys must be strings");
            const auto &key = entry.first.Scalar();
            if (object.contains(key)) return make_error(where(entry.first) + "duplicate key \"" + key + "\"");
            auto value = convert(entry.second, depth + 1);
            if (!value) return value;
            object[key] = std::move(*value);
        }
        return object;
    }
    }
    return nlohmann::json(nullptr);
}

} // namespace

Result<nlohmann::json> yaml_to_json(std::string_view text) {
    std::vector<YAML::Node> documents;
    try {
        documents = YAML::LoadAll(std::string(text));
    } catch (const YAML::Exception &e) {
        return make_error("invalid YAML at line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
    } catch (const std::exception &e) {
        return make_error(std::string("invalid YAML: ") + e.what());
    }
    if (documents.size() > 1) return make_error("invalid YAML: more than one document");
    if (documents.empty()) return nlohmann::json(nullptr);
    try {
        return convert(documents.front(), 0);
    } catch (const std::exception &e) {
        return make_error(std::string("invalid YAML: ") + e.what());
    }
}

} // namespace pullcred::config
