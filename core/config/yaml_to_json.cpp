#include "config/yaml_to_json.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <yaml-cpp/yaml.h>

namespace pullcred::config {

namespace {

constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxScalarBytes = 4096;
// Aliases share nodes, so a small file can stand for billions of them
// ("billion laughs"); a config never needs more than this many.
constexpr std::size_t kMaxNodes = 100000;

bool valid_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t extra = 0;
        if (c < 0x80)
            extra = 0;
        else if ((c & 0xE0) == 0xC0 && c >= 0xC2)
            extra = 1;
        else if ((c & 0xF0) == 0xE0)
            extra = 2;
        else if ((c & 0xF8) == 0xF0 && c <= 0xF4)
            extra = 3;
        else
            return false;
        if (i + extra >= text.size() && extra > 0) return false;
        for (std::size_t k = 1; k <= extra; ++k)
            if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
        i += extra + 1;
    }
    return true;
}

// yaml-cpp 0.7 loops forever on a ',' that starts a token outside a flow
// collection (upstream issue 1040), also after a quoted scalar, a tag or an
// anchor; such a ',' is never valid YAML, so it is refused here, before
// yaml-cpp sees it.
std::optional<std::size_t> stray_comma_line(std::string_view text) {
    int flow_depth = 0;
    std::size_t line = 1;
    char quote = 0;
    bool token_start = true; // nothing but indentation, '-', '?', ':' or a closed flow since the last token
    std::size_t block_indent = std::string_view::npos; // inside a | or > block scalar deeper than this
    std::size_t indent = 0;
    bool at_line_start = true;
    char previous = '\n';
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n') {
            ++line;
            at_line_start = true;
            indent = 0;
            if (quote == 0 && flow_depth == 0) token_start = true;
            previous = c;
            continue;
        }
        if (at_line_start) {
            if (c == ' ') {
                ++indent;
                continue;
            }
            at_line_start = false;
            if (block_indent != std::string_view::npos) {
                if (indent > block_indent) {
                    i = text.find('\n', i);
                    if (i == std::string_view::npos) return std::nullopt;
                    --i;
                    continue;
                }
                block_indent = std::string_view::npos;
            }
        }
        if (quote != 0) {
            if (quote == '"' && c == '\\')
                ++i;
            else if (c == quote) {
                quote = 0;
                token_start = flow_depth == 0; // `'a',b` loops yaml-cpp as `[a],b` would
            }
            previous = c;
            continue;
        }
        if (c == '#' && (previous == ' ' || previous == '\n' || previous == '\t')) {
            const auto end = text.find('\n', i);
            if (end == std::string_view::npos) return std::nullopt;
            i = end - 1;
            continue;
        }
        if ((c == '!' || c == '&') && token_start) {
            // A tag or anchor: the node's content (maybe a stray ',') still follows.
            if (c == '!' && i + 1 < text.size() && text[i + 1] == '<')
                i = std::min(text.find('>', i), text.size() - 1);
            while (i + 1 < text.size() &&
                   std::string_view(" \t\r\n,[]{}").find(text[i + 1]) == std::string_view::npos)
                ++i;
            previous = text[i];
            continue;
        }
        if ((c == '"' || c == '\'') && token_start) quote = c;
        // Inside a block plain scalar (`5{`) a bracket is text, not a flow collection.
        if ((c == '[' || c == '{') && (token_start || flow_depth > 0)) ++flow_depth;
        if ((c == ']' || c == '}') && flow_depth > 0) --flow_depth;
        if (c == ',' && flow_depth == 0 && token_start) return line;
        if ((c == '|' || c == '>') && token_start && flow_depth == 0) {
            const auto end = text.find('\n', i);
            const auto rest =
                text.substr(i + 1, end == std::string_view::npos ? std::string_view::npos : end - i - 1);
            if (rest.find_first_not_of("+-0123456789 \t") == std::string_view::npos) block_indent = indent;
        }
        if (c != ' ' && c != '\t')
            token_start = c == '-' || c == '?' || c == ':' || c == '[' || c == '{' ||
                          (c == ',' && flow_depth > 0) || ((c == ']' || c == '}') && flow_depth == 0);
        previous = c;
    }
    return std::nullopt;
}

// YAML allows no control character but tab, LF and CR (c-printable); yaml-cpp
// 0.7 hangs on some (a NUL before a ','), so they are refused up front.
std::optional<std::pair<std::size_t, unsigned>> control_character(std::string_view text) {
    std::size_t line = 1;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '\n') ++line;
        if ((byte < 0x20 && c != '\t' && c != '\n' && c != '\r') || byte == 0x7f)
            return std::pair{line, unsigned{byte}};
    }
    return std::nullopt;
}

// YAML 1.2 core schema resolution of a plain (unquoted) scalar.
nlohmann::json plain_scalar(const std::string &text) {
    if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") return nullptr;
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
    const char *begin = text.c_str();
    char *end = nullptr;
    const bool looks_numeric =
        (text[0] >= '0' && text[0] <= '9') || ((text[0] == '-' || text[0] == '+') && text.size() > 1);
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

Result<nlohmann::json> convert(const YAML::Node &node, int depth, std::size_t &nodes) {
    if (depth > kMaxDepth)
        return make_error(where(node) + "nesting deeper than " + std::to_string(kMaxDepth));
    if (++nodes > kMaxNodes)
        return make_error("more than " + std::to_string(kMaxNodes) + " values (after expanding aliases)");
    switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
        return nlohmann::json(nullptr);
    case YAML::NodeType::Scalar:
        if (node.Scalar().size() > kMaxScalarBytes)
            return make_error(where(node) + "a value longer than " + std::to_string(kMaxScalarBytes) +
                              " bytes");
        if (!valid_utf8(node.Scalar())) return make_error(where(node) + "a value that is not valid UTF-8");
        // A quoted scalar is tagged "!"; only plain scalars are typed.
        if (node.Tag() == "!") return nlohmann::json(node.Scalar());
        return plain_scalar(node.Scalar());
    case YAML::NodeType::Sequence: {
        auto array = nlohmann::json::array();
        for (const auto &item : node) {
            auto value = convert(item, depth + 1, nodes);
            if (!value) return value;
            array.push_back(std::move(*value));
        }
        return array;
    }
    case YAML::NodeType::Map: {
        auto object = nlohmann::json::object();
        for (const auto &entry : node) {
            if (!entry.first.IsScalar())
                return make_error(where(entry.first) + "mapping keys must be strings");
            const auto &key = entry.first.Scalar();
            if (key.size() > kMaxScalarBytes || !valid_utf8(key))
                return make_error(where(entry.first) + "a key longer than " +
                                  std::to_string(kMaxScalarBytes) + " bytes or not valid UTF-8");
            if (object.contains(key)) return make_error(where(entry.first) + "duplicate key \"" + key + "\"");
            auto value = convert(entry.second, depth + 1, nodes);
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
    if (auto control = control_character(text)) {
        char code[8];
        static_cast<void>(std::snprintf(code, sizeof(code), "0x%02X", control->second));
        return make_error("invalid YAML at line " + std::to_string(control->first) + ": control character " +
                          code + " (only tab, LF and CR are allowed)");
    }
    if (auto line = stray_comma_line(text))
        return make_error("invalid YAML at line " + std::to_string(*line) +
                          ": ',' outside a [list] or {map}");
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
        std::size_t nodes = 0;
        return convert(documents.front(), 0, nodes);
    } catch (const std::exception &e) {
        return make_error(std::string("invalid YAML: ") + e.what());
    }
}

} // namespace pullcred::config
