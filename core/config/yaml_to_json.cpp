#include "config/yaml_to_json.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <pullcred/text.hpp>
#include <string>
#include <utility>
#include <vector>
#include <yaml.h>

#include "text/quote.hpp"

namespace pullcred::config {

namespace {

constexpr std::size_t kMaxDepth = 64;
constexpr std::size_t kMaxScalarBytes = 4096;
// Aliases share nodes, so a small file can stand for billions of them
// ("billion laughs"); a config never needs more than this many.
constexpr std::size_t kMaxNodes = 100000;

// YAML allows no control character but tab, LF and CR (c-printable).
bool control_byte(unsigned char byte) {
    return (byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r') || byte == 0x7f;
}

// A value may hold, through escapes, characters YAML does not allow raw
// (C0 and C1 controls but tab, LF and CR; U+FFFE, U+FFFF) or reads as line
// breaks (NEL, U+2028, U+2029); no config needs them, and refusing them keeps
// every accepted value writable as YAML.
bool has_unprintable(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (control_byte(byte)) return true;
        const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
        if (byte == 0xC2 && next >= 0x80 && next <= 0x9F) return true;
        const auto third = i + 2 < text.size() ? static_cast<unsigned char>(text[i + 2]) : 0;
        if (byte == 0xE2 && next == 0x80 && (third == 0xA8 || third == 0xA9)) return true;
        if (byte == 0xEF && next == 0xBF && (third & 0xFE) == 0xBE) return true;
    }
    return false;
}

// Raw control characters are refused up front with the byte and its line,
// clearer than the parser's error.
std::optional<std::pair<std::size_t, unsigned>> control_character(std::string_view text) {
    std::size_t line = 1;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '\n') ++line;
        if (control_byte(byte)) return std::pair{line, unsigned{byte}};
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

// A sequence or mapping whose end event has not come yet.
struct Open {
    nlohmann::json value;
    std::string anchor;
    std::size_t nodes_before = 0;
    std::optional<std::string> key; // a mapping's key waiting for its value
};

struct Anchored {
    nlohmann::json value;
    std::size_t nodes = 0;
};

std::string at_line(const yaml_mark_t &mark) {
    return "line " + std::to_string(mark.line + 1) + ": ";
}

std::string text_of(const yaml_char_t *text) {
    return text == nullptr ? std::string() : std::string(reinterpret_cast<const char *>(text));
}

// Builds one JSON document from libyaml's events. Anchors are resolved here
// (libyaml's parser only reports them), every alias counting as a copy of
// what it names.
class Builder {
public:
    Status on(const yaml_event_t &event) {
        switch (event.type) {
        case YAML_DOCUMENT_START_EVENT:
            if (++documents_ > 1) return Error::failed("invalid YAML: more than one document");
            return ok();
        case YAML_SCALAR_EVENT:
            return on_scalar(event);
        case YAML_ALIAS_EVENT:
            return on_alias(event);
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            return open(event);
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            return close(event);
        default:
            return ok();
        }
    }

    nlohmann::json take() { return std::move(document_); }

private:
    Status count(const yaml_mark_t &mark, std::size_t added) {
        nodes_ += added;
        if (nodes_ > kMaxNodes)
            return Error::failed(at_line(mark) + "more than " + std::to_string(kMaxNodes) +
                                 " values (after expanding aliases)");
        return ok();
    }

    Status on_scalar(const yaml_event_t &event) {
        const auto &scalar = event.data.scalar;
        const std::string_view text(reinterpret_cast<const char *>(scalar.value), scalar.length);
        if (text.size() > kMaxScalarBytes)
            return Error::failed(at_line(event.start_mark) + "a value longer than " +
                                 std::to_string(kMaxScalarBytes) + " bytes");
        if (!sdk::valid_utf8(text))
            return Error::failed(at_line(event.start_mark) + "a value that is not valid UTF-8");
        if (has_unprintable(text))
            return Error::failed(at_line(event.start_mark) + "a value with an escaped control character");
        const bool as_string = scalar.style != YAML_PLAIN_SCALAR_STYLE || text_of(scalar.tag) == YAML_STR_TAG;
        nlohmann::json value =
            as_string ? nlohmann::json(std::string(text)) : plain_scalar(std::string(text));
        if (auto counted = count(event.start_mark, 1); !counted) return counted;
        return place(std::move(value), text_of(scalar.anchor), 1, event.start_mark);
    }

    Status on_alias(const yaml_event_t &event) {
        const auto name = text_of(event.data.alias.anchor);
        const auto found = anchors_.find(name);
        if (found == anchors_.end())
            return Error::failed(at_line(event.start_mark) + "alias *" + name + " names no anchor before it");
        if (auto counted = count(event.start_mark, found->second.nodes); !counted) return counted;
        return place(found->second.value, {}, found->second.nodes, event.start_mark);
    }

    Status open(const yaml_event_t &event) {
        if (open_.size() >= kMaxDepth)
            return Error::failed(at_line(event.start_mark) + "nesting deeper than " +
                                 std::to_string(kMaxDepth));
        if (auto counted = count(event.start_mark, 1); !counted) return counted;
        const bool sequence = event.type == YAML_SEQUENCE_START_EVENT;
        const auto *anchor = sequence ? event.data.sequence_start.anchor : event.data.mapping_start.anchor;
        open_.push_back(Open{sequence ? nlohmann::json::array() : nlohmann::json::object(), text_of(anchor),
                             nodes_ - 1, std::nullopt});
        return ok();
    }

    Status close(const yaml_event_t &event) {
        auto done = std::move(open_.back());
        open_.pop_back();
        return place(std::move(done.value), done.anchor, nodes_ - done.nodes_before, event.start_mark);
    }

    // Puts a finished value where it belongs: the document, a sequence's
    // next item, a mapping's key or the value of its pending key.
    Status place(nlohmann::json value, const std::string &anchor, std::size_t nodes,
                 const yaml_mark_t &mark) {
        if (!anchor.empty()) anchors_[anchor] = Anchored{value, nodes};
        if (open_.empty()) {
            document_ = std::move(value);
            return ok();
        }
        auto &parent = open_.back();
        if (parent.value.is_array()) {
            parent.value.push_back(std::move(value));
            return ok();
        }
        if (!parent.key) {
            if (!value.is_string()) return Error::failed(at_line(mark) + "mapping keys must be strings");
            auto key = value.get<std::string>();
            if (parent.value.contains(key))
                return Error::failed(at_line(mark) + "duplicate key " + text::quote_bounded(key));
            parent.key = std::move(key);
            return ok();
        }
        parent.value[*parent.key] = std::move(value);
        parent.key.reset();
        return ok();
    }

    nlohmann::json document_;
    std::vector<Open> open_;
    std::map<std::string, Anchored> anchors_;
    std::size_t nodes_ = 0;
    int documents_ = 0;
};

Error parse_error(const yaml_parser_t &parser) {
    std::string message = "invalid YAML at line " + std::to_string(parser.problem_mark.line + 1) + ": " +
                          (parser.problem != nullptr ? parser.problem : "unreadable input");
    if (parser.context != nullptr)
        message += " (" + std::string(parser.context) + " at line " +
                   std::to_string(parser.context_mark.line + 1) + ")";
    return Error::failed(std::move(message));
}

} // namespace

Result<nlohmann::json> yaml_to_json(std::string_view text) {
    if (auto control = control_character(text)) {
        char code[8];
        static_cast<void>(std::snprintf(code, sizeof(code), "0x%02X", control->second));
        return Error::failed("invalid YAML at line " + std::to_string(control->first) +
                             ": control character " + code + " (only tab, LF and CR are allowed)");
    }
    yaml_parser_t parser;
    if (yaml_parser_initialize(&parser) == 0) return Error::failed("invalid YAML: cannot start the parser");
    const std::unique_ptr<yaml_parser_t, void (*)(yaml_parser_t *)> cleanup(&parser, yaml_parser_delete);
    yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char *>(text.data()), text.size());
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
    Builder builder;
    for (;;) {
        yaml_event_t event;
        if (yaml_parser_parse(&parser, &event) == 0) return parse_error(parser);
        const std::unique_ptr<yaml_event_t, void (*)(yaml_event_t *)> release(&event, yaml_event_delete);
        if (event.type == YAML_STREAM_END_EVENT) break;
        if (auto placed = builder.on(event); !placed) return placed.error();
    }
    return builder.take();
}

} // namespace pullcred::config
