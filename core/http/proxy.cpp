#include "http/proxy.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <charconv>
#include <cstdlib>
#include <cstring>

namespace pullcred::net {
namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
    return out;
}

struct IpAddress {
    int family = 0; // AF_INET or AF_INET6
    std::array<unsigned char, 16> bytes{};
};

std::optional<IpAddress> parse_ip(std::string_view text) {
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
    if (text.empty() || text.size() > 45) return std::nullopt;
    const std::string copy(text);
    IpAddress address;
    if (::inet_pton(AF_INET, copy.c_str(), address.bytes.data()) == 1) {
        address.family = AF_INET;
        return address;
    }
    if (::inet_pton(AF_INET6, copy.c_str(), address.bytes.data()) == 1) {
        address.family = AF_INET6;
        return address;
    }
    return std::nullopt;
}

bool in_block(const IpAddress &address, const IpAddress &network, int prefix_bits) {
    if (address.family != network.family) return false;
    for (std::size_t i = 0; prefix_bits > 0; ++i, prefix_bits -= 8) {
        const int bits = std::min(prefix_bits, 8);
        const auto mask = static_cast<unsigned char>(0xffu << (8 - bits));
        if ((address.bytes[i] & mask) != (network.bytes[i] & mask)) return false;
    }
    return true;
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || value > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
}

// Splits "host:port", "[v6]:port", "[v6]", "v6" (no port) or "host".
// `port` stays nullopt when the entry has none; returns false when the
// port is malformed.
bool split_host_port(std::string_view entry, std::string_view &host, std::optional<std::uint16_t> &port) {
    port.reset();
    if (!entry.empty() && entry.front() == '[') {
        const auto close = entry.find(']');
        if (close == std::string_view::npos) return false;
        host = entry.substr(1, close - 1);
        const auto rest = entry.substr(close + 1);
        if (rest.empty()) return true;
        if (rest.front() != ':') return false;
        port = parse_port(rest.substr(1));
        return port.has_value();
    }
    const auto colon = entry.find(':');
    if (colon != std::string_view::npos && entry.find(':', colon + 1) == std::string_view::npos) {
        host = entry.substr(0, colon);
        port = parse_port(entry.substr(colon + 1));
        return port.has_value();
    }
    host = entry; // a name, an IPv4 address or a bare IPv6 address
    return true;
}

bool entry_matches(std::string_view entry, std::string_view host, std::uint16_t port) {
    if (entry == "*") return true;
    if (const auto slash = entry.find('/'); slash != std::string_view::npos) {
        const auto network = parse_ip(entry.substr(0, slash));
        const auto address = parse_ip(host);
        int bits = 0;
        const auto text = entry.substr(slash + 1);
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), bits);
        if (!network || !address || error != std::errc() || end != text.data() + text.size() ||
            text.empty()) {
            return false;
        }
        if (bits < 0 || bits > (network->family == AF_INET ? 32 : 128)) return false;
        return in_block(*address, *network, bits);
    }
    std::string_view entry_host;
    std::optional<std::uint16_t> entry_port;
    if (!split_host_port(entry, entry_host, entry_port)) return false;
    if (entry_port && *entry_port != port) return false;
    if (const auto entry_ip = parse_ip(entry_host)) {
        const auto address = parse_ip(host);
        return address && address->family == entry_ip->family && address->bytes == entry_ip->bytes;
    }
    if (entry_host.substr(0, 2) == "*.") entry_host.remove_prefix(1);
    if (!entry_host.empty() && entry_host.front() == '.') entry_host.remove_prefix(1);
    if (!entry_host.empty() && entry_host.back() == '.') entry_host.remove_suffix(1);
    if (entry_host.empty()) return false;
    if (host == entry_host) return true;
    return host.size() > entry_host.size() && host.substr(host.size() - entry_host.size()) == entry_host &&
           host[host.size() - entry_host.size() - 1] == '.';
}

} // namespace

std::optional<std::string> process_env(const char *name) {
    const char *value = std::getenv(name); // NOLINT(concurrency-mt-unsafe): read-only use
    if (value == nullptr) return std::nullopt;
    return std::string(value);
}

bool no_proxy_matches(std::string_view no_proxy, std::string_view host, std::uint16_t port) {
    std::string normal_host = lower(host);
    if (normal_host.size() >= 2 && normal_host.front() == '[' && normal_host.back() == ']') {
        normal_host = normal_host.substr(1, normal_host.size() - 2);
    }
    if (!normal_host.empty() && normal_host.back() == '.') normal_host.pop_back();
    const std::string list = lower(no_proxy);
    std::size_t position = 0;
    while (position < list.size()) {
        const auto end = list.find_first_of(", \t", position);
        const std::string_view entry = std::string_view(list).substr(
            position, (end == std::string::npos ? list.size() : end) - position);
        if (!entry.empty() && entry_matches(entry, normal_host, port)) return true;
        if (end == std::string::npos) break;
        position = end + 1;
    }
    return false;
}

ProxyChoice choose_proxy(std::string_view scheme, std::string_view host, std::uint16_t port,
                         const EnvLookup &env) {
    const bool https = scheme == "https";
    const char *upper = https ? "HTTPS_PROXY" : "HTTP_PROXY";
    const char *lower_name = https ? "https_proxy" : "http_proxy";
    std::string variable;
    std::optional<std::string> proxy;
    for (const char *name : {upper, lower_name}) {
        if (auto value = env(name); value && !value->empty()) {
            proxy = std::move(value);
            variable = name;
            break;
        }
    }
    if (!proxy) return {};
    for (const char *name : {"NO_PROXY", "no_proxy"}) {
        if (auto value = env(name); value && !value->empty()) {
            if (no_proxy_matches(*value, host, port)) return ProxyChoice{{}, name};
            break;
        }
    }
    return ProxyChoice{std::move(*proxy), std::move(variable)};
}

std::string redact_proxy_url(std::string_view proxy_url) {
    const auto scheme_end = proxy_url.find("://");
    const std::size_t authority = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
    const auto authority_end = proxy_url.find_first_of("/?#", authority);
    const auto at = proxy_url.substr(0, authority_end).rfind('@');
    if (at == std::string_view::npos || at < authority) return std::string(proxy_url);
    std::string out(proxy_url.substr(0, authority));
    out.append(proxy_url.substr(at + 1));
    return out;
}

} // namespace pullcred::net
