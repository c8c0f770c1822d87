#include "aws/endpoints/ecr_host.hpp"

#include <array>

#include "aws/endpoints/partitions.hpp"

namespace pullcred::aws {
namespace {

constexpr std::array<std::string_view, 9> kSuffixes{
    "amazonaws.com", "amazonaws.com.cn", "amazonaws.eu",   "on.aws",         "on.amazonwebservices.com.cn",
    "sc2s.sgov.gov", "c2s.ic.gov",       "cloud.adc-e.uk", "csp.hci.ic.gov",
};

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool consume(std::string_view &s, std::string_view prefix) {
    if (s.substr(0, prefix.size()) != prefix) return false;
    s.remove_prefix(prefix.size());
    return true;
}

} // namespace

std::span<const std::string_view> ecr_private_dns_suffixes() {
    return kSuffixes;
}

std::optional<EcrHostMatch> match_ecr_private_host(std::string_view host) {
    EcrHostMatch m;
    std::string_view s = host;
    // (\d{12})\.
    if (s.size() < 13) return std::nullopt;
    for (std::size_t i = 0; i < 12; ++i) {
        if (!is_digit(s[i])) return std::nullopt;
    }
    m.account = s.substr(0, 12);
    s.remove_prefix(12);
    if (!consume(s, ".")) return std::nullopt;
    // dkr[\.\-]ecr
    if (!consume(s, "dkr") || s.empty() || (s[0] != '.' && s[0] != '-')) return std::nullopt;
    m.separator = s[0];
    s.remove_prefix(1);
    if (!consume(s, "ecr")) return std::nullopt;
    // (\-fips)?\.  -- "-fips." or "."; no other way to continue.
    if (consume(s, "-fips.")) {
        m.fips = true;
    } else if (!consume(s, ".")) {
        return std::nullopt;
    }
    // ([a-zA-Z0-9][a-zA-Z0-9-_]*)\.  -- the class has no '.', so the region
    // ends at the next '.'.
    const auto dot = s.find('.');
    if (dot == std::string_view::npos || dot == 0 || !is_alnum(s[0])) return std::nullopt;
    for (std::size_t i = 1; i < dot; ++i) {
        if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_') return std::nullopt;
    }
    m.region = s.substr(0, dot);
    s.remove_prefix(dot + 1);
    // (suffix alternatives)$
    for (std::string_view suffix : kSuffixes) {
        if (s == suffix) {
            m.suffix = s;
            return m;
        }
    }
    return std::nullopt;
}

bool looks_like_ecr_private_host(std::string_view host) {
    if (const auto colon = host.rfind(':'); colon != std::string_view::npos) host = host.substr(0, colon);
    if (match_ecr_private_host(host)) return false;
    const bool ecr_label = host.find(".dkr.ecr") != std::string_view::npos ||
                           host.find(".dkr-ecr") != std::string_view::npos ||
                           host.substr(0, 8) == "dkr.ecr." || host.substr(0, 8) == "dkr-ecr.";
    if (!ecr_label) return false;
    for (std::string_view suffix : kSuffixes) {
        if (host.size() > suffix.size() && host.substr(host.size() - suffix.size()) == suffix &&
            host[host.size() - suffix.size() - 1] == '.')
            return true;
    }
    return false;
}

std::optional<EcrHost> parse_ecr_host(std::string_view host) {
    EcrHost out;
    // Split off ":port" (digits only, 1-65535).
    if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
        const std::string_view port = host.substr(colon + 1);
        if (port.empty() || port.size() > 5) return std::nullopt;
        unsigned value = 0;
        for (char c : port) {
            if (!is_digit(c)) return std::nullopt;
            value = value * 10 + static_cast<unsigned>(c - '0');
        }
        if (value == 0 || value > 65535) return std::nullopt;
        out.port = static_cast<std::uint16_t>(value);
        host = host.substr(0, colon);
    }
    out.host = std::string(host);
    if (host == "public.ecr.aws" || host == "ecr-public.aws.com") {
        out.kind = EcrRegistryKind::public_registry;
        out.region = "us-east-1";
        out.dns_suffix = host == "public.ecr.aws" ? "ecr.aws" : "aws.com";
        out.partition = "aws";
        return out;
    }
    auto m = match_ecr_private_host(host);
    if (!m) return std::nullopt;
    out.kind = EcrRegistryKind::private_registry;
    out.account_id = std::string(m->account);
    out.region = std::string(m->region);
    out.fips = m->fips;
    out.dns_suffix = std::string(m->suffix);
    out.dualstack = m->separator == '-' || m->suffix.substr(0, 3) == "on.";
    out.partition = std::string(partition_for_region(out.region).id);
    return out;
}

std::string sts_region_for(std::string_view configured, std::string_view registry) {
    if (!configured.empty()) return std::string(configured);
    if (auto host = parse_ecr_host(registry); host && !host->region.empty()) return host->region;
    return "us-east-1";
}

} // namespace pullcred::aws
