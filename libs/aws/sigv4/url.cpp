#include "aws/sigv4/url.hpp"

#include <algorithm>

namespace pullcred::aws {
namespace {

char to_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), to_lower);
    return out;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool is_hex(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_control(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
}

bool is_host_name(std::string_view host) {
    return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
        return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_';
    });
}

bool is_ipv6_literal(std::string_view inner) {
    return inner.find(':') != std::string_view::npos &&
           std::all_of(inner.begin(), inner.end(), [](char c) { return is_hex(c) || c == ':' || c == '.'; });
}

Result<std::optional<std::uint16_t>> parse_port(std::string_view text) {
    if (text.empty()) return std::optional<std::uint16_t>{}; // "host:" means the default port
    unsigned long value = 0;
    for (char c : text) {
        if (!is_digit(c)) return Error{"URL port is not a number"};
        value = value * 10 + static_cast<unsigned long>(c - '0');
        if (value > 65535) return Error{"URL port is out of range"};
    }
    return std::optional<std::uint16_t>{static_cast<std::uint16_t>(value)};
}

} // namespace

std::string Url::host_header() const {
    const std::uint16_t default_port = scheme == "https" ? 443 : 80;
    if (!port || *port == default_port) return host;
    return host + ":" + std::to_string(*port);
}

Result<Url> parse_url(std::string_view url) {
    if (std::any_of(url.begin(), url.end(), is_control)) return Error{"URL contains control characters"};

    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos || scheme_end == 0 ||
        !std::all_of(url.begin(), url.begin() + static_cast<std::ptrdiff_t>(scheme_end), is_alpha)) {
        return Error{"not an absolute http(s) URL"};
    }
    Url out;
    out.scheme = lower(url.substr(0, scheme_end));
    if (out.scheme != "http" && out.scheme != "https") return Error{"URL scheme is not http or https"};

    std::string_view rest = url.substr(scheme_end + 3);
    const auto authority_end = std::min(rest.find_first_of("/?#"), rest.size());
    const std::string_view authority = rest.substr(0, authority_end);
    rest.remove_prefix(authority_end);

    if (authority.empty()) return Error{"URL has no host"};
    if (authority.find('@') != std::string_view::npos) return Error{"URL user information is not supported"};

    std::string_view port_text;
    if (authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return Error{"URL has an unterminated IPv6 address"};
        const std::string_view inner = authority.substr(1, close - 1);
        if (!is_ipv6_literal(inner)) return Error{"URL has a malformed IPv6 address"};
        out.host = "[" + lower(inner) + "]";
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return Error{"URL has garbage after its IPv6 address"};
            port_text = after.substr(1);
        }
    } else {
        const auto colon = authority.find(':');
        const std::string_view host = authority.substr(0, colon);
        if (!is_host_name(host)) return Error{"URL host is empty or has characters outside [A-Za-z0-9._-]"};
        out.host = lower(host);
        if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    }
    auto port = parse_port(port_text);
    if (!port) return port.error();
    out.port = *port;

    if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
    if (const auto question = rest.find('?'); question != std::string_view::npos) {
        out.query = std::string(rest.substr(question + 1));
        rest = rest.substr(0, question);
    }
    out.path = std::string(rest);
    return out;
}

} // namespace pullcred::aws
