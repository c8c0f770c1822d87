#include "aws/profile/ini.hpp"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

namespace pullcred::aws {
namespace {

constexpr std::string_view kBlanks = " \t\r\f\v";

bool is_blank(char c) {
    return kBlanks.find(c) != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(kBlanks);
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(kBlanks);
    return s.substr(first, last - first + 1);
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char &c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

// Drops an inline comment: `#` or `;` preceded by a blank, and what follows.
std::string_view strip_inline_comment(std::string_view s) {
    for (std::size_t i = 1; i < s.size(); ++i) {
        if ((s[i] == '#' || s[i] == ';') && is_blank(s[i - 1])) return s.substr(0, i);
    }
    return s;
}

std::size_t indent_of(std::string_view line) {
    std::size_t n = 0;
    while (n < line.size() && is_blank(line[n])) ++n;
    return n;
}

std::string where(std::string_view file_name, std::size_t line_no) {
    return std::string(file_name) + ":" + std::to_string(line_no) + ": ";
}

// `[name]` with an optional trailing comment. Returns the trimmed name, or an
// error text.
Result<std::string> parse_header(std::string_view trimmed) {
    const auto close = trimmed.find(']');
    if (close == std::string_view::npos) return Error{"section header without a closing ']'"};
    std::string_view name = trim(trimmed.substr(1, close - 1));
    std::string_view rest = trim(trimmed.substr(close + 1));
    if (!rest.empty() && rest[0] != '#' && rest[0] != ';') {
        return Error{"unexpected text after the section header's ']'"};
    }
    if (name.empty()) return Error{"empty section name"};
    if (name.find('[') != std::string_view::npos) return Error{"'[' inside a section name"};
    return std::string(name);
}

struct Parser {
    std::string_view file_name;
    IniSections sections;
    IniSection *current = nullptr;
    // The last property of the current section, for continuation lines.
    std::string last_key;
    std::size_t last_indent = 0;
    bool have_last = false;

    Status property(std::string_view line, std::size_t line_no) {
        const std::string_view trimmed = trim(line);
        const auto eq = trimmed.find('=');
        if (eq == std::string_view::npos) {
            return Error{where(file_name, line_no) +
                         "expected 'key = value', a [section] header or a comment"};
        }
        std::string key = lower(trim(trimmed.substr(0, eq)));
        if (key.empty()) return Error{where(file_name, line_no) + "a setting without a key name"};
        std::string value(trim(strip_inline_comment(trimmed.substr(eq + 1))));
        current->subsections.erase(key);
        current->values[key] = std::move(value);
        last_key = std::move(key);
        last_indent = indent_of(line);
        have_last = true;
        return ok();
    }

    // A line indented deeper than the last property: a sub-section entry when
    // that property's value is empty or already a sub-section, otherwise a
    // continuation of its value.
    Status continuation(std::string_view line, std::size_t line_no) {
        const std::string_view content = trim(strip_inline_comment(trim(line)));
        auto sub = current->subsections.find(last_key);
        auto value = current->values.find(last_key);
        const bool starts_subsection = value != current->values.end() && value->second.empty();
        if (sub != current->subsections.end() || starts_subsection) {
            const auto eq = content.find('=');
            if (eq == std::string_view::npos) {
                return Error{where(file_name, line_no) + "expected 'key = value' inside the sub-section '" +
                             last_key + "'"};
            }
            std::string key = lower(trim(content.substr(0, eq)));
            if (key.empty()) {
                return Error{where(file_name, line_no) +
                             "a setting without a key name inside the sub-section '" + last_key + "'"};
            }
            if (starts_subsection) {
                current->values.erase(value);
                sub = current->subsections.emplace(last_key, IniValues{}).first;
            }
            sub->second[key] = std::string(trim(content.substr(eq + 1)));
            return ok();
        }
        if (!content.empty()) {
            value->second += '\n';
            value->second += content;
        }
        return ok();
    }

    Status line(std::string_view raw, std::size_t line_no) {
        if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
        if (raw.find('\0') != std::string_view::npos) {
            return Error{where(file_name, line_no) + "contains a NUL byte (is this a binary file?)"};
        }
        const std::string_view trimmed = trim(raw);
        if (trimmed.empty() || trimmed[0] == '#' || trimmed[0] == ';') return ok();

        if (current != nullptr && have_last && indent_of(raw) > last_indent)
            return continuation(raw, line_no);

        if (trimmed[0] == '[') {
            auto name = parse_header(trimmed);
            if (!name) return Error{where(file_name, line_no) + name.error().message};
            auto [it, inserted] = sections.try_emplace(std::move(name.value()));
            if (inserted) it->second.line = line_no;
            current = &it->second;
            have_last = false;
            return ok();
        }
        if (current == nullptr) {
            return Error{where(file_name, line_no) + "a setting outside any [section]; start the file with a "
                                                     "section header such as [default]"};
        }
        return property(raw, line_no);
    }
};

void add_section(IniSections &into, std::string name, const IniSection &section) {
    auto [it, inserted] = into.try_emplace(std::move(name));
    if (inserted) {
        it->second = section;
    } else {
        merge_ini_section(it->second, section);
    }
}

// "profile NAME" -> NAME when `header` is `<prefix><blanks><NAME>` with a
// single-word NAME.
std::optional<std::string> named(std::string_view header, std::string_view prefix) {
    if (header.size() <= prefix.size() || header.substr(0, prefix.size()) != prefix) return std::nullopt;
    if (!is_blank(header[prefix.size()])) return std::nullopt;
    const std::string_view name = trim(header.substr(prefix.size()));
    if (name.empty()) return std::nullopt;
    for (char c : name) {
        if (is_blank(c)) return std::nullopt;
    }
    return std::string(name);
}

} // namespace

void merge_ini_section(IniSection &into, const IniSection &from) {
    for (const auto &[key, value] : from.values) {
        into.subsections.erase(key);
        into.values[key] = value;
    }
    for (const auto &[key, sub] : from.subsections) {
        into.values.erase(key);
        into.subsections[key] = sub;
    }
    if (into.line == 0) into.line = from.line;
}

Result<IniSections> parse_ini_sections(std::string_view text, std::string_view file_name) {
    if (text.size() > kMaxSharedConfigBytes) {
        return Error{std::string(file_name) + ": " + std::to_string(text.size()) +
                     " bytes, larger than the 1 MiB limit for AWS config and credentials files"};
    }
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3); // UTF-8 byte order mark
    Parser parser;
    parser.file_name = file_name;
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        const auto nl = text.find('\n');
        const std::string_view raw = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (auto status = parser.line(raw, line_no); !status) return status.error();
    }
    return std::move(parser.sections);
}

Result<IniFile> parse_ini(std::string_view text, IniFileKind kind, std::string_view file_name) {
    auto sections = parse_ini_sections(text, file_name);
    if (!sections) return sections.error();
    IniFile file;
    if (kind == IniFileKind::credentials) {
        file.profiles = std::move(sections.value());
        return file;
    }
    // Sections that land on the same name (`[profile a]`, `[profile  a]`) merge
    // in file order.
    std::vector<std::pair<const std::string *, const IniSection *>> ordered;
    ordered.reserve(sections->size());
    for (const auto &[header, section] : sections.value()) ordered.emplace_back(&header, &section);
    std::sort(ordered.begin(), ordered.end(),
              [](const auto &a, const auto &b) { return a.second->line < b.second->line; });
    const IniSection *bare_default = nullptr;
    for (const auto &[header_ptr, section_ptr] : ordered) {
        const std::string &header = *header_ptr;
        const IniSection &section = *section_ptr;
        if (header == "default") {
            bare_default = &section;
        } else if (auto profile = named(header, "profile")) {
            add_section(file.profiles, std::move(*profile), section);
        } else if (auto session = named(header, "sso-session")) {
            add_section(file.sso_sessions, std::move(*session), section);
        } else if (auto services = named(header, "services")) {
            add_section(file.services, std::move(*services), section);
        } else {
            add_section(file.other, header, section);
        }
    }
    if (bare_default != nullptr && file.profiles.find("default") == file.profiles.end()) {
        file.profiles.emplace("default", *bare_default);
    }
    return file;
}

} // namespace pullcred::aws
