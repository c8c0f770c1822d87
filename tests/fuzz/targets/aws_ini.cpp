// parse_ini_sections / parse_ini: AWS shared config and credentials files.
// Properties: never crashes; keys are stored lower case, section names are
// trimmed and non-empty; what parses, written back out in the canonical form
// ("[name]", "key = value", continuation and sub-section lines indented),
// parses to the same sections; both file kinds agree on the sections they
// see; and an error message never quotes a value from the file (it may be a
// secret): it is one of the known texts, after "fuzz:<line>: ".
#include <string>
#include <vector>

#include "aws/profile/ini.hpp"
#include "fuzz_check.hpp"

using namespace pullcred;

namespace {

constexpr std::string_view kFile = "fuzz";

bool known_message(std::string_view message) {
    // "fuzz:<line>: <text>"
    if (!message.starts_with("fuzz:")) return false;
    message.remove_prefix(5);
    std::size_t digits = 0;
    while (digits < message.size() && message[digits] >= '0' && message[digits] <= '9') ++digits;
    if (digits == 0 || message.substr(digits, 2) != ": ") return false;
    message.remove_prefix(digits + 2);
    for (const std::string_view fixed : {
             "contains a NUL byte (is this a binary file?)",
             "section header without a closing ']'",
             "unexpected text after the section header's ']'",
             "empty section name",
             "'[' inside a section name",
             "a setting outside any [section]; start the file with a section header such as [default]",
             "expected 'key = value', a [section] header or a comment",
             "a setting without a key name",
         })
        if (message == fixed) return true;
    // The two sub-section messages name the key (a key name, not a value).
    for (const std::string_view prefix : {"expected 'key = value' inside the sub-section '",
                                          "a setting without a key name inside the sub-section '"})
        if (message.starts_with(prefix) && message.ends_with("'")) {
            const auto key = message.substr(prefix.size(), message.size() - prefix.size() - 1);
            return key.find('=') == std::string_view::npos;
        }
    return false;
}

void write_values(std::string &out, const aws::IniValues &values, std::string_view indent) {
    for (const auto &[key, value] : values) {
        out += indent;
        out += key;
        // "k =#x" keeps "#x" (a comment needs a blank before it); "k = #x" would not.
        out += value.starts_with('#') || value.starts_with(';') ? " =" : " = ";
        for (const char c : value) {
            out += c;
            if (c == '\n') {
                out += indent;
                out += "    ";
            }
        }
        out += '\n';
    }
}

std::string write(const aws::IniSections &sections) {
    std::string out;
    for (const auto &[name, section] : sections) {
        out += "[" + name + "]\n";
        write_values(out, section.values, "");
        for (const auto &[key, sub] : section.subsections) {
            out += key + " =\n";
            write_values(out, sub, "  ");
        }
    }
    return out;
}

bool same(const aws::IniSections &a, const aws::IniSections &b) {
    if (a.size() != b.size()) return false;
    for (auto x = a.begin(), y = b.begin(); x != a.end(); ++x, ++y)
        if (x->first != y->first || x->second.values != y->second.values ||
            x->second.subsections != y->second.subsections)
            return false;
    return true;
}

bool has_upper(std::string_view text) {
    return text.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string_view::npos;
}

void check_sections(const aws::IniSections &sections) {
    for (const auto &[name, section] : sections) {
        FUZZ_CHECK(!name.empty() && name.front() != ' ' && name.back() != ' ',
                   "section name " + fuzz::escape(name));
        for (const auto &[key, value] : section.values) {
            FUZZ_CHECK(!key.empty() && !has_upper(key), "key " + fuzz::escape(key));
            FUZZ_CHECK(!section.subsections.contains(key), "key both a value and a sub-section: " + key);
        }
        for (const auto &[key, sub] : section.subsections) {
            FUZZ_CHECK(!key.empty() && !has_upper(key), "sub-section " + fuzz::escape(key));
            for (const auto &[sub_key, value] : sub)
                FUZZ_CHECK(!sub_key.empty() && !has_upper(sub_key),
                           "sub-section key " + fuzz::escape(sub_key));
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    auto sections = aws::parse_ini_sections(text, kFile);
    auto config = aws::parse_ini(text, aws::IniFileKind::config, kFile);
    auto credentials = aws::parse_ini(text, aws::IniFileKind::credentials, kFile);
    FUZZ_CHECK(sections.ok() == config.ok() && sections.ok() == credentials.ok(), "file kinds disagree");
    if (!sections) {
        FUZZ_CHECK(known_message(sections.error().message),
                   "unexpected error text (quotes the file?): " + fuzz::escape(sections.error().message));
        FUZZ_CHECK(config.error().message == sections.error().message, "config error differs");
        return 0;
    }
    check_sections(*sections);
    FUZZ_CHECK(same(credentials->profiles, *sections), "credentials profiles != sections");
    for (const auto &[name, profile] : config->profiles) FUZZ_CHECK(!name.empty(), "empty profile name");
    if (sections->contains("default") || sections->contains("profile default"))
        FUZZ_CHECK(config->profiles.contains("default"), "default profile lost");

    const auto written = write(*sections);
    auto again = aws::parse_ini_sections(written, kFile);
    FUZZ_CHECK(again.ok(), "canonical form refused: " + fuzz::escape(written) + " (" +
                               (again ? std::string() : again.error().message) + ")");
    FUZZ_CHECK(same(*again, *sections), "canonical form reads differently: " + fuzz::escape(written));
    return 0;
}
