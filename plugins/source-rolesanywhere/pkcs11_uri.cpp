#include "pkcs11_uri.hpp"

#include <array>
#include <utility>
#include <vector>

namespace pullcred_ra {

using pullcred::sdk::Error;

namespace {

constexpr std::string_view kScheme = "pkcs11:";
constexpr std::size_t kMaxUri = 4096;

constexpr std::array<std::string_view, 13> kPathNames{
    "token",           "manufacturer", "serial", "model", "library-manufacturer", "library-description",
    "library-version", "object",       "type",   "id",    "slot-description",     "slot-manufacturer",
    "slot-id"};
constexpr std::array<std::string_view, 4> kQueryNames{"pin-source", "pin-value", "module-name",
                                                      "module-path"};
constexpr std::array<std::string_view, 5> kTypes{"cert", "data", "private", "public", "secret-key"};

template <std::size_t N> bool known(const std::array<std::string_view, N> &names, std::string_view name) {
    for (const auto known_name : names)
        if (known_name == name) return true;
    return false;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Names are shown only when they are known ones or of the attribute alphabet.
std::string shown_name(std::string_view name) {
    constexpr std::size_t kMax = 40;
    if (name.empty()) return "(empty)";
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || c == '-')) return "(not a valid name)"; // a PIN typed bare is digits
    return std::string(name.substr(0, kMax));
}

// "attribute token", or, for a vendor attribute whose name is the URI
// author's free text, no name at all.
std::string shown_attribute(const std::string &name) {
    return name.rfind("x-", 0) == 0 ? std::string("a vendor attribute (x-...)") : "attribute " + name;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (;;) {
        const auto end = text.find(separator, start);
        out.push_back(
            text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos) return out;
        start = end + 1;
    }
}

struct Attribute {
    std::string name;
    std::string value;
};

Result<Attribute> parse_attribute(std::string_view part, bool in_query, const std::string &where) {
    const auto eq = part.find('=');
    const auto name = part.substr(0, eq);
    if (eq == std::string_view::npos)
        return Error::failed(
            where + ": an attribute has no '=': write each as name=value, separated by ';' (path) or '&' "
                    "(query)");
    const bool vendor =
        name.rfind("x-", 0) == 0 && name.size() > 2 &&
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") ==
            std::string_view::npos;
    if (!vendor && !(in_query ? known(kQueryNames, name) : known(kPathNames, name)))
        return Error::failed(
            where + ": unknown " + (in_query ? "query" : "path") + " attribute " + shown_name(name) +
            " (RFC 7512: token, manufacturer, serial, model, object, id, type, slot-id, "
            "slot-description, slot-manufacturer; query: pin-value, pin-source, module-path, "
            "module-name)");
    Attribute out;
    out.name = std::string(name);
    const auto value = part.substr(eq + 1);
    for (std::size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        if (c == '%') {
            const int high = i + 1 < value.size() ? hex_value(value[i + 1]) : -1;
            const int low = i + 2 < value.size() ? hex_value(value[i + 2]) : -1;
            if (high < 0 || low < 0)
                return Error::failed(where + ": " + shown_attribute(out.name) +
                                     " has a broken percent escape: write a byte as %XX (two hex digits)");
            out.value.push_back(static_cast<char>((high << 4) | low));
            i += 2;
            continue;
        }
        if (!in_query && c == '&')
            return Error::failed(
                where + ": " + shown_attribute(out.name) +
                " holds '&': query attributes such as pin-value go after '?'; write a literal & "
                "as %26");
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '?' || c == '#' ||
            (in_query && c == ';'))
            return Error::failed(where + ": " + shown_attribute(out.name) +
                                 " holds a space, control or reserved character: percent-encode it "
                                 "(a space is %20)");
        out.value.push_back(c);
    }
    return out;
}

} // namespace

const std::string *Pkcs11Uri::attribute(const std::string &name) const {
    const auto it = path.find(name);
    return it == path.end() ? nullptr : &it->second;
}

const std::string *Pkcs11Uri::pin() const {
    const auto it = query.find("pin-value");
    return it == query.end() ? nullptr : &it->second;
}

bool is_pkcs11_uri(std::string_view value) {
    return value.size() >= kScheme.size() && value.substr(0, kScheme.size()) == kScheme;
}

namespace {

std::string encode(std::string_view value) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                           c == '-' || c == '.' || c == '_' || c == '~' || c == ':' || c == '/';
        if (plain) {
            out.push_back(c);
        } else {
            out.push_back('%');
            out.push_back(kHex[byte >> 4U]);
            out.push_back(kHex[byte & 0x0FU]);
        }
    }
    return out;
}

} // namespace

std::string Pkcs11Uri::shown() const {
    std::string out(kScheme);
    bool first = true;
    for (const auto &[name, value] : path) {
        if (!first) out += ';';
        first = false;
        out += name + "=" + encode(value);
    }
    bool first_query = true;
    for (const auto &[name, value] : query) {
        if (name == "pin-value") continue;
        out += first_query ? '?' : '&';
        first_query = false;
        out += name + "=" + encode(value);
    }
    return out;
}

Result<Pkcs11Uri> parse_pkcs11_uri(std::string_view text, std::string_view what) {
    const std::string where = std::string(what) + " (a PKCS#11 URI)";
    if (!is_pkcs11_uri(text)) return Error::failed(where + ": does not start with pkcs11:");
    if (text.size() > kMaxUri)
        return Error::failed(where +
                             ": longer than 4096 bytes; shorten it to the attributes that select the object");
    auto rest = text.substr(kScheme.size());
    std::string_view query_text;
    bool has_query = false;
    if (const auto mark = rest.find('?'); mark != std::string_view::npos) {
        query_text = rest.substr(mark + 1);
        rest = rest.substr(0, mark);
        has_query = true;
    }
    Pkcs11Uri out;
    const auto add = [&](std::string_view part, bool in_query) -> Result<bool> {
        auto attribute = parse_attribute(part, in_query, where);
        if (!attribute) return attribute.error();
        auto &target = in_query ? out.query : out.path;
        if (target.count(attribute->name) != 0U)
            return Error::failed(where + ": attribute " + attribute->name +
                                 " appears twice; give each attribute once");
        // Vendor attributes (x-...) select nothing here: checked, then dropped.
        if (attribute->name.rfind("x-", 0) != 0) target.emplace(attribute->name, std::move(attribute->value));
        return true;
    };
    if (!rest.empty())
        for (const auto part : split(rest, ';')) {
            if (part.empty()) continue;
            auto added = add(part, false);
            if (!added) return added.error();
        }
    if (has_query)
        for (const auto part : split(query_text, '&')) {
            if (part.empty()) continue;
            auto added = add(part, true);
            if (!added) return added.error();
        }
    if (const auto *type = out.attribute("type"); type != nullptr && !known(kTypes, *type))
        return Error::failed(where + ": type must be cert, private, public, data or secret-key");
    if (const auto *slot = out.attribute("slot-id")) {
        std::uint64_t value = 0;
        if (slot->empty() || slot->size() > 19)
            return Error::failed(where + ": slot-id must be a decimal number");
        for (char c : *slot) {
            if (c < '0' || c > '9') return Error::failed(where + ": slot-id must be a decimal number");
            value = value * 10 + static_cast<std::uint64_t>(c - '0');
        }
        out.slot_id = value;
    }
    if (out.query.count("pin-source") != 0U)
        return Error::failed(where + ": pin-source is not supported (as aws_signing_helper); give the PIN as "
                                     "?pin-value=PIN");
    return out;
}

std::string shown_key_location(std::string_view text) {
    if (!is_pkcs11_uri(text)) return std::string(text);
    auto parsed = parse_pkcs11_uri(text, "uri");
    return parsed ? parsed->shown() : std::string("pkcs11:(an invalid URI)");
}

} // namespace pullcred_ra
