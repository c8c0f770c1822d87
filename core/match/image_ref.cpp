#include "match/image_ref.hpp"

#include <cstdio>

#include "text/quote.hpp"

namespace pullcred::match {

namespace detail {
namespace {

constexpr auto npos = std::string_view::npos;

// Stores the message only when the caller asked for one, so that the
// matching hot path (error == nullptr) never builds strings.
template <class MakeMessage> bool fail(std::string *error, MakeMessage &&make_message) {
    if (error != nullptr) *error = std::string(make_message());
    return false;
}

bool is_alnum(unsigned char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_hex(char c) noexcept {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

unsigned char unhex(char c) noexcept {
    if (c >= '0' && c <= '9') return static_cast<unsigned char>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<unsigned char>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return static_cast<unsigned char>(c - 'A' + 10);
    return 0;
}

// The sections of a URL that Go's unescape distinguishes (the ones we use).
enum class Mode { host, zone, path, userinfo, fragment };

// Go shouldEscape(c, encodeHost) (identical for encodeZone).
bool should_escape_in_host(unsigned char c) noexcept {
    if (is_alnum(c)) return false;
    switch (c) {
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
    case ':':
    case '[':
    case ']':
    case '<':
    case '>':
    case '"': // sub-delims, ':', IP-literal, <>"
    case '-':
    case '_':
    case '.':
    case '~': // unreserved marks
        return false;
    default:
        return true;
    }
}

// The validation pass of Go's unescape(s, mode).
bool check_escapes(std::string_view s, Mode mode, std::string *error) {
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '%') {
            if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2]))
                return fail(error, [&] { return "invalid URL escape " + go_quote(s.substr(i, 3)); });
            const auto escape = s.substr(i, 3);
            // In a host, %-encoding is only for non-ASCII bytes, and %25 (RFC 6874).
            if (mode == Mode::host && unhex(s[i + 1]) < 8 && escape != "%25")
                return fail(error, [&] { return "invalid URL escape " + go_quote(escape); });
            if (mode == Mode::zone) {
                const auto v = static_cast<unsigned char>(unhex(s[i + 1]) << 4 | unhex(s[i + 2]));
                if (escape != "%25" && v != ' ' && should_escape_in_host(v))
                    return fail(error, [&] { return "invalid URL escape " + go_quote(escape); });
            }
            i += 3;
            continue;
        }
        if ((mode == Mode::host || mode == Mode::zone) && c < 0x80 && should_escape_in_host(c))
            return fail(error,
                        [&] { return "invalid character " + go_quote(s.substr(i, 1)) + " in host name"; });
        ++i;
    }
    return true;
}

// The decoding pass of Go's unescape (after check_escapes succeeded).
void append_decoded(std::string_view s, std::string &out) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%') {
            out += static_cast<char>(unhex(s[i + 1]) << 4 | unhex(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
}

// Go validOptionalPort: "" or ':' followed by digits only.
bool valid_optional_port(std::string_view port) noexcept {
    if (port.empty()) return true;
    if (port[0] != ':') return false;
    for (const char c : port.substr(1))
        if (c < '0' || c > '9') return false;
    return true;
}

// Go parseHost (see parse_go_url for which Go version).
bool parse_host(std::string_view host, std::string_view &out, std::string &storage, std::string *error) {
    if (!host.empty() && host[0] == '[') {
        // IP-literal (RFC 3986, RFC 6874): "[fe80::1]", "[fe80::1%25en0]", "[fe80::1]:80".
        const auto close = host.rfind(']');
        if (close == npos) return fail(error, [&] { return "missing ']' in host"; });
        const auto colon_port = host.substr(close + 1);
        if (!valid_optional_port(colon_port))
            return fail(error, [&] { return "invalid port " + go_quote(colon_port) + " after host"; });
        const auto hostname = host.substr(1, close - 1);
        const auto zone = hostname.find("%25");
        const auto address_part = hostname.substr(0, zone);
        const auto zone_part = zone == npos ? std::string_view{} : hostname.substr(zone);
        if (!check_escapes(address_part, Mode::host, error) || !check_escapes(zone_part, Mode::zone, error))
            return false;
        std::string_view unescaped = hostname;
        out = host;
        if (host.find('%') != npos) {
            storage.clear();
            storage.reserve(host.size());
            storage += '[';
            append_decoded(address_part, storage);
            append_decoded(zone_part, storage);
            storage += ']';
            storage += colon_port;
            out = storage;
            unescaped = out.substr(1, out.size() - 2 - colon_port.size());
        }
        if (const char *reason = ipv6_literal_error(unescaped)) {
            if (std::string_view(reason) == "invalid IP-literal") return fail(error, [&] { return reason; });
            return fail(error,
                        [&] { return "invalid host: ParseAddr(" + go_quote(unescaped) + "): " + reason; });
        }
        return true;
    }
    if (const auto colon = host.find(':'); colon != npos) {
        // Go >= 1.26 for http(s): the port starts at the first ':', so a second
        // ':' is an invalid port (older Go looked at the last ':').
        const auto colon_port = host.substr(colon);
        if (!valid_optional_port(colon_port))
            return fail(error, [&] { return "invalid port " + go_quote(colon_port) + " after host"; });
    }
    if (!check_escapes(host, Mode::host, error)) return false;
    out = host;
    if (host.find('%') != npos) {
        storage.clear();
        append_decoded(host, storage);
        out = storage;
    }
    return true;
}

// Go url.validUserinfo (RFC 3986 §3.2.1 plus '@').
bool valid_userinfo(std::string_view s) noexcept {
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (is_alnum(c)) continue;
        switch (c) {
        case '-':
        case '.':
        case '_':
        case ':':
        case '~':
        case '!':
        case '$':
        case '&':
        case '\'':
        case '(':
        case ')':
        case '*':
        case '+':
        case ',':
        case ';':
        case '=':
        case '%':
        case '@':
            continue;
        default:
            return false; // includes every non-ASCII byte, as Go's rune loop does
        }
    }
    return true;
}

// Go netip parseIPv4Fields.
const char *ipv4_fields_error(std::string_view s) noexcept {
    int value = 0;
    int position = 0;
    int digits = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c >= '0' && c <= '9') {
            if (digits == 1 && value == 0) return "IPv4 field has octet with leading zero";
            value = value * 10 + (c - '0');
            ++digits;
            if (value > 255) return "IPv4 field has value >255";
        } else if (c == '.') {
            if (i == 0 || i == s.size() - 1 || s[i - 1] == '.')
                return "IPv4 field must have at least one digit";
            if (position == 3) return "IPv4 address too long";
            ++position;
            value = 0;
            digits = 0;
        } else {
            return "unexpected character";
        }
    }
    if (position < 3) return "IPv4 address too short";
    return nullptr;
}

// Go netip parseIPv6 (validity only).
const char *ipv6_error(std::string_view s) noexcept {
    if (const auto percent = s.find('%'); percent != npos) {
        if (percent + 1 == s.size()) return "zone must be a non-empty string";
        s = s.substr(0, percent);
    }
    int ellipsis = -1;
    if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
        ellipsis = 0;
        s.remove_prefix(2);
        if (s.empty()) return nullptr;
    }
    int i = 0;
    while (i < 16) {
        std::size_t off = 0;
        for (; off < s.size(); ++off) {
            if (!is_hex(s[off])) break;
            if (off > 3) return "each group must have 4 or less digits";
        }
        if (off == 0) return "each colon-separated field must have at least one digit";
        if (off < s.size() && s[off] == '.') {
            if (ellipsis < 0 && i != 12)
                return "embedded IPv4 address must replace the final 2 fields of the address";
            if (i + 4 > 16) return "too many hex fields to fit an embedded IPv4 at the end of the address";
            if (const char *reason = ipv4_fields_error(s)) return reason;
            s = {};
            i += 4;
            break;
        }
        i += 2;
        s.remove_prefix(off);
        if (s.empty()) break;
        if (s[0] != ':') return "unexpected character, want colon";
        if (s.size() == 1) return "colon must be followed by more characters";
        s.remove_prefix(1);
        if (s[0] == ':') {
            if (ellipsis >= 0) return "multiple :: in address";
            ellipsis = i;
            s.remove_prefix(1);
            if (s.empty()) break;
        }
    }
    if (!s.empty()) return "trailing garbage after address";
    if (i < 16) {
        if (ellipsis < 0) return "address string too short";
    } else if (ellipsis >= 0) {
        return "the :: must expand to at least one field of zeros";
    }
    return nullptr;
}

} // namespace

std::string go_quote(std::string_view s) {
    std::string out = "\"";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                char buf[8];
                (void)std::snprintf(buf, sizeof buf, "\\x%02x", c);
                out += buf;
            } else {
                out += ch;
            }
        }
    }
    out += '"';
    return out;
}

const char *ipv6_literal_error(std::string_view addr) noexcept {
    for (const char c : addr) {
        switch (c) {
        case '.': {
            const char *reason = ipv4_fields_error(addr);
            return reason != nullptr ? reason : "invalid IP-literal"; // an IPv4 address in brackets
        }
        case ':':
            return ipv6_error(addr);
        case '%':
            return "missing IPv6 address";
        default:
            break;
        }
    }
    return "unable to parse IP";
}

bool parse_go_url(std::string_view text, GoUrl &out, GoUrlScratch &scratch, std::string *error) {
    out = GoUrl{};
    // url.Parse cuts "#fragment" first; parse() then sees only the rest.
    const auto hash = text.find('#');
    const auto fragment = hash == npos ? std::string_view{} : text.substr(hash + 1);
    const auto url = text.substr(0, hash);
    const auto wrap = [&](std::string_view whole) {
        if (error != nullptr) *error = "parse " + go_quote("https://" + std::string(whole)) + ": " + *error;
        return false;
    };

    for (const char ch : url) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7f) {
            fail(error, [&] { return "net/url: invalid control character in URL"; });
            return wrap(url);
        }
    }
    // The scheme is "https"; "?query" is cut and never validated.
    auto rest = url.substr(0, url.find('?'));
    // "//" follows the scheme, so there is always an authority: up to the first '/'.
    const auto slash = rest.find('/');
    const auto authority = rest.substr(0, slash);
    rest = slash == npos ? std::string_view{} : rest.substr(slash);

    const auto at = authority.rfind('@');
    if (!parse_host(at == npos ? authority : authority.substr(at + 1), out.host, scratch.host, error))
        return wrap(url);
    if (at != npos) {
        const auto userinfo = authority.substr(0, at);
        if (!valid_userinfo(userinfo)) {
            fail(error, [&] { return "net/url: invalid userinfo"; });
            return wrap(url);
        }
        if (!check_escapes(userinfo, Mode::userinfo, error)) return wrap(url);
        out.has_userinfo = true;
    }

    if (!check_escapes(rest, Mode::path, error)) return wrap(url);
    out.path = rest;
    if (rest.find('%') != npos) {
        scratch.path.clear();
        append_decoded(rest, scratch.path);
        out.path = scratch.path;
    }

    if (!fragment.empty() && !check_escapes(fragment, Mode::fragment, error)) return wrap(text);
    return true;
}

HostPort split_host_port(std::string_view host_port) noexcept {
    const auto failure = [host_port](SplitError why) { return HostPort{host_port, {}, why}; };
    const auto last_colon = host_port.rfind(':');
    if (last_colon == npos) return failure(SplitError::missing_port);
    std::string_view host;
    std::size_t no_open_from = 0;
    std::size_t no_close_from = 0;
    if (host_port[0] == '[') {
        // Expect the first ']' just before the last ':'.
        const auto end = host_port.find(']');
        if (end == npos) return failure(SplitError::missing_close_bracket);
        if (end + 1 == host_port.size()) return failure(SplitError::missing_port);
        if (end + 1 != last_colon) {
            return failure(host_port[end + 1] == ':' ? SplitError::too_many_colons
                                                     : SplitError::missing_port);
        }
        host = host_port.substr(1, end - 1);
        no_open_from = 1;
        no_close_from = end + 1;
    } else {
        host = host_port.substr(0, last_colon);
        if (host.find(':') != npos) return failure(SplitError::too_many_colons);
    }
    if (host_port.find('[', no_open_from) != npos) return failure(SplitError::unexpected_open_bracket);
    if (host_port.find(']', no_close_from) != npos) return failure(SplitError::unexpected_close_bracket);
    return HostPort{host, host_port.substr(last_colon + 1), SplitError::none};
}

} // namespace detail

namespace {

constexpr auto npos = std::string_view::npos;

bool is_alnum(unsigned char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool allowed_in_image(unsigned char c) noexcept {
    if (is_alnum(c)) return true;
    switch (c) {
    case '.':
    case '_':
    case '-':
    case '/':
    case ':':
    case '@':
    case '+':
    case '=':
    case '[':
    case ']':
        return true;
    default:
        return false;
    }
}

std::string hex_byte(unsigned char c) {
    char buf[8];
    (void)std::snprintf(buf, sizeof buf, "0x%02x", c);
    return buf;
}

std::string describe_byte(unsigned char c) {
    if (c == ' ') return "a space";
    if (c < 0x20 || c == 0x7f) return "control character " + hex_byte(c);
    if (c >= 0x80) return "non-ASCII byte " + hex_byte(c);
    return std::string("character '") + static_cast<char>(c) + "'";
}

std::string quoted(std::string_view s) {
    return text::quote_bounded(s);
}

// "scheme://" with a Go/RFC 3986 scheme name.
bool has_scheme(std::string_view s) noexcept {
    const auto sep = s.find("://");
    if (sep == npos || sep == 0) return false;
    const auto first = static_cast<unsigned char>(s[0]);
    if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z'))) return false;
    for (const char ch : s.substr(0, sep)) {
        const auto c = static_cast<unsigned char>(ch);
        if (!is_alnum(c) && c != '+' && c != '-' && c != '.') return false;
    }
    return true;
}

// OCI digest: algorithm ":" encoded; sha256/sha512 must be lowercase hex of the right length.
const char *digest_error(std::string_view digest) noexcept {
    const auto colon = digest.find(':');
    if (colon == npos || colon == 0 || colon + 1 == digest.size()) return "expected \"algorithm:encoded\"";
    const auto algorithm = digest.substr(0, colon);
    const auto encoded = digest.substr(colon + 1);
    bool after_separator = true;
    for (const char ch : algorithm) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            after_separator = false;
        } else if ((c == '+' || c == '.' || c == '_' || c == '-') && !after_separator) {
            after_separator = true;
        } else {
            return "bad algorithm (want [a-z0-9]+ joined by + . _ -)";
        }
    }
    if (after_separator) return "bad algorithm (want [a-z0-9]+ joined by + . _ -)";
    for (const char ch : encoded) {
        const auto c = static_cast<unsigned char>(ch);
        if (!is_alnum(c) && c != '=' && c != '_' && c != '-') return "bad encoded part (want [A-Za-z0-9=_-])";
    }
    std::size_t hex_length = 0;
    if (algorithm == "sha256") hex_length = 64;
    if (algorithm == "sha512") hex_length = 128;
    if (hex_length != 0) {
        if (encoded.size() != hex_length) return "wrong length for this algorithm";
        for (const char c : encoded)
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return "not lowercase hex";
    }
    return nullptr;
}

// Tag grammar: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
const char *tag_error(std::string_view tag) noexcept {
    if (tag.empty()) return "empty tag after ':'";
    if (tag.size() > 128) return "tag longer than 128 characters";
    for (std::size_t i = 0; i < tag.size(); ++i) {
        const auto c = static_cast<unsigned char>(tag[i]);
        if (is_alnum(c) || c == '_') continue;
        if (i > 0 && (c == '.' || c == '-')) continue;
        return "tag must match [A-Za-z0-9_][A-Za-z0-9_.-]*";
    }
    return nullptr;
}

const char *repository_error(std::string_view repository) noexcept {
    if (repository.empty()) return "empty repository";
    if (repository.front() == '/' || repository.back() == '/' || repository.find("//") != npos)
        return "empty path segment in repository";
    for (const char ch : repository) {
        const auto c = static_cast<unsigned char>(ch);
        if (is_alnum(c) || c == '.' || c == '_' || c == '-' || c == '/') continue;
        if (c == ':') return "':' in repository (a tag may only follow the last '/')";
        return "repository may only contain [A-Za-z0-9._-/]";
    }
    return nullptr;
}

} // namespace

Result<ImageRef> ImageRef::parse(std::string_view image) {
    if (image.empty()) return Error::failed("image reference is empty");
    if (image.size() > kMaxImageRefLength)
        return Error::failed("image reference is " + std::to_string(image.size()) +
                             " bytes long; the limit is " + std::to_string(kMaxImageRefLength));
    for (std::size_t i = 0; i < image.size(); ++i) {
        const auto c = static_cast<unsigned char>(image[i]);
        if (!allowed_in_image(c))
            return Error::failed(describe_byte(c) + " at offset " + std::to_string(i) +
                                 " is not allowed in an image reference");
    }
    if (has_scheme(image))
        return Error::failed("an image reference has no URL scheme: kubelet sends \"registry/repository\", "
                             "not \"https://registry/repository\"");

    const auto slash = image.find('/');
    const auto registry = image.substr(0, slash);
    if (registry.empty()) return Error::failed("empty registry: the image starts with '/'");
    if (registry.find('@') != npos)
        return Error::failed(
            "'@' in the registry " + quoted(registry) +
            ": a digest follows the repository (\"registry/repo@sha256:...\") and URL userinfo is "
            "not allowed");
    if (const auto open = image.find('[', 1); open != npos)
        return Error::failed("'[' at offset " + std::to_string(open) +
                             ": brackets may only enclose an IPv6 address at the start of the registry "
                             "(\"[::1]:5000/repo\")");
    if (const auto close = image.find(']'); close != npos && (registry[0] != '[' || close >= registry.size()))
        return Error::failed("']' at offset " + std::to_string(close) +
                             " does not close an IPv6 address at the start of the registry");

    if (const auto bad = registry.find_first_of("+="); bad != npos)
        return Error::failed("character '" + std::string(registry.substr(bad, 1)) +
                             "' is not allowed in the registry " + quoted(registry));

    detail::GoUrl url;
    detail::GoUrlScratch scratch; // stays empty: '%' is not an allowed byte
    std::string message;
    if (!detail::parse_go_url(image, url, scratch, &message)) return Error::failed(message);
    const auto split = detail::split_host_port(url.host);
    if (split.host.empty()) return Error::failed("empty host in registry " + quoted(registry));
    if (split.error == detail::SplitError::none && split.port.empty())
        return Error::failed("empty port after ':' in registry " + quoted(registry));

    ImageRef ref;
    ref.text_ = std::string(image);
    const auto span_of = [image](std::string_view part) {
        if (part.empty()) return Span{};
        return Span{static_cast<std::uint32_t>(part.data() - image.data()),
                    static_cast<std::uint32_t>(part.size())};
    };
    ref.registry_ = span_of(registry);
    ref.host_ = span_of(split.host);
    ref.port_ = span_of(split.port);
    ref.path_ = span_of(url.path);

    if (slash != npos) {
        const std::size_t begin = slash + 1;
        std::size_t end = image.size();
        if (const auto at = image.find('@', begin); at != npos) {
            const auto digest = image.substr(at + 1);
            if (const char *reason = digest_error(digest))
                return Error::failed("malformed digest " + quoted(digest) + ": " + reason);
            ref.digest_ = span_of(digest);
            end = at;
        }
        if (end == begin) return Error::failed("empty repository after '/'");
        const auto last_slash = image.rfind('/', end - 1);
        if (const auto colon = image.find(':', last_slash + 1); colon < end) {
            const auto tag = image.substr(colon + 1, end - colon - 1);
            if (const char *reason = tag_error(tag))
                return Error::failed("malformed tag " + quoted(tag) + ": " + reason);
            ref.tag_ = span_of(tag);
            end = colon;
        }
        const auto repository = image.substr(begin, end - begin);
        if (const char *reason = repository_error(repository))
            return Error::failed("malformed repository " + quoted(repository) + ": " + reason);
        ref.repository_ = span_of(repository);
    }
    return ref;
}

} // namespace pullcred::match
