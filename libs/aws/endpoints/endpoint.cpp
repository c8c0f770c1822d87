#include "aws/endpoints/endpoint.hpp"

#include <array>
#include <cstdio>
#include <utility>

#include "aws/endpoints/partitions.hpp"

namespace pullcred::aws {
namespace {

struct ServiceSpec {
    std::string_view id;           // our name and the rule sets' endpoint prefix family
    std::string_view signing_name; // SigV4 service name
    std::string_view env_suffix;   // AWS_ENDPOINT_URL_<env_suffix>
    std::string_view config_key;   // key in a [services] section
};

constexpr std::array<ServiceSpec, 4> kServices{{
    {"ecr", "ecr", "ECR", "ecr"},
    {"ecr-public", "ecr-public", "ECR_PUBLIC", "ecr_public"},
    {"sts", "sts", "STS", "sts"},
    {"rolesanywhere", "rolesanywhere", "ROLESANYWHERE", "rolesanywhere"},
}};

const ServiceSpec *find_service(std::string_view id) {
    for (const auto &spec : kServices) {
        if (spec.id == id) return &spec;
    }
    return nullptr;
}

char lower_char(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char &c : out) c = lower_char(c);
    return out;
}

// Quotes a setting's value for a message, escaping anything unprintable.
std::string quoted(std::string_view text) {
    constexpr std::size_t kMax = 200;
    std::string out = "'";
    for (std::size_t i = 0; i < text.size() && i < kMax; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
            out += static_cast<char>(c);
        } else {
            constexpr char kHex[] = "0123456789abcdef";
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        }
    }
    if (text.size() > kMax) out += "...";
    return out + "'";
}

bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// DNS name or IPv4 address: dot-separated labels of [A-Za-z0-9_-], each 1-63
// long, not starting or ending with '-'.
bool is_valid_hostname(std::string_view host) {
    if (host.empty() || host.size() > 253) return false;
    std::size_t start = 0;
    while (start <= host.size()) {
        auto dot = host.find('.', start);
        if (dot == std::string_view::npos) dot = host.size();
        const std::string_view label = host.substr(start, dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
        for (char c : label) {
            if (!is_alnum(c) && c != '-' && c != '_') return false;
        }
        start = dot + 1;
    }
    return true;
}

bool is_valid_ipv6_literal(std::string_view inner) {
    if (inner.size() < 2 || inner.size() > 45) return false;
    bool colon = false;
    for (char c : inner) {
        const char l = lower_char(c);
        if (c == ':') {
            colon = true;
        } else if (!((l >= '0' && l <= '9') || (l >= 'a' && l <= 'f') || c == '.')) {
            return false;
        }
    }
    return colon;
}

struct FlagSetting {
    bool value = false;
    std::string source;
};

Result<FlagSetting> resolve_flag(std::optional<bool> explicit_value, const char *env_name,
                                 const char *profile_key, const EndpointOptions &options) {
    if (explicit_value) return FlagSetting{*explicit_value, "configuration"};
    if (auto text = env_value(options.env, env_name)) {
        auto value = parse_bool_setting(*text);
        if (!value) return Error{std::string(env_name) + " must be true or false, got " + quoted(*text)};
        return FlagSetting{*value, env_name};
    }
    if (options.profile != nullptr) {
        auto value = options.profile->get_bool(profile_key);
        if (!value) return value.error();
        if (*value) return FlagSetting{**value, "profile '" + options.profile->name() + "' " + profile_key};
    }
    return FlagSetting{};
}

struct Override {
    std::string url;
    std::string source;
};

Result<std::optional<Override>> find_override(const ServiceSpec &spec, const EndpointOptions &options) {
    using Out = std::optional<Override>;
    if (options.endpoint_url) return Out{Override{*options.endpoint_url, "endpoint_url in configuration"}};

    bool ignore = false;
    if (auto text = env_value(options.env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) {
        auto value = parse_bool_setting(*text);
        if (!value)
            return Error{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS must be true or false, got " + quoted(*text)};
        ignore = *value;
    } else if (options.profile != nullptr) {
        auto value = options.profile->get_bool("ignore_configured_endpoint_urls");
        if (!value) return value.error();
        ignore = value->value_or(false);
    }
    if (ignore) return Out{};

    const std::string service_variable = "AWS_ENDPOINT_URL_" + std::string(spec.env_suffix);
    if (auto url = env_value(options.env, service_variable)) return Out{Override{*url, service_variable}};
    if (auto url = env_value(options.env, "AWS_ENDPOINT_URL")) return Out{Override{*url, "AWS_ENDPOINT_URL"}};
    if (options.profile != nullptr) {
        const Profile &profile = *options.profile;
        if (auto url = profile.service_endpoint_url(spec.config_key)) {
            return Out{Override{*url, "profile '" + profile.name() + "' services section (" +
                                          std::string(spec.config_key) + " endpoint_url)"}};
        }
        if (auto url = profile.endpoint_url()) {
            std::string source = "profile '" + profile.name() + "' endpoint_url";
            const std::string file = profile.origin("endpoint_url");
            if (!file.empty()) source += " in " + file;
            return Out{Override{*url, std::move(source)}};
        }
    }
    return Out{};
}

// The rule sets' host for a service, region and variant.
Result<std::string> default_host(const ServiceSpec &spec, std::string_view region, const Partition &partition,
                                 bool fips, bool dualstack) {
    const std::string r(region);
    const std::string dns(partition.dns_suffix);
    const std::string dual(partition.dual_stack_dns_suffix);
    if (spec.id == "ecr") {
        if (fips && dualstack) return "ecr-fips." + r + "." + dual;
        if (fips) return "api.ecr-fips." + r + "." + dns;
        if (dualstack) return "ecr." + r + "." + dual;
        return "api.ecr." + r + "." + dns;
    }
    if (spec.id == "ecr-public") {
        if (fips) return Error{"Amazon ECR Public has no FIPS endpoint; turn FIPS off for public.ecr.aws"};
        if (dualstack) return "ecr-public." + r + "." + dual;
        return "api.ecr-public." + r + "." + dns;
    }
    if (spec.id == "sts") {
        if (fips && dualstack) return "sts-fips." + r + "." + dual;
        if (fips) return (partition.id == "aws-us-gov" ? "sts." : "sts-fips.") + r + "." + dns;
        if (dualstack) return "sts." + r + "." + dual;
        if (region == "aws-global") return std::string("sts.amazonaws.com");
        return "sts." + r + "." + dns;
    }
    // rolesanywhere: the generic rule set.
    const std::string prefix(spec.id);
    if (fips && dualstack) return prefix + "-fips." + r + "." + dual;
    if (fips) return prefix + "-fips." + r + "." + dns;
    if (dualstack) return prefix + "." + r + "." + dual;
    return prefix + "." + r + "." + dns;
}

} // namespace

std::string Endpoint::authority() const {
    return port ? host + ":" + std::to_string(*port) : host;
}

bool is_valid_region(std::string_view region) {
    if (region.empty() || region.size() > 63 || region.front() == '-' || region.back() == '-') return false;
    for (char c : region) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    }
    return true;
}

namespace {

// The URL for messages: user info and anything from '?' or '#' on (they may
// hold secrets) replaced by "***".
std::string display_url(std::string_view url) {
    std::string out;
    const auto scheme_end = url.find("://");
    const std::size_t authority_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
    const auto authority_end = url.find_first_of("/?#", authority_start);
    const auto at = url.substr(0, authority_end).rfind('@');
    if (at != std::string_view::npos && at >= authority_start) {
        out = std::string(url.substr(0, authority_start)) + "***" + std::string(url.substr(at));
    } else {
        out = std::string(url);
    }
    const auto query = out.find_first_of("?#");
    if (query != std::string::npos) out.replace(query + 1, std::string::npos, "***");
    return quoted(out);
}

} // namespace

Result<Endpoint> parse_endpoint_url(std::string_view url, std::string_view origin) {
    const std::string what = std::string(origin) + " " + display_url(url);
    for (char c : url) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f) {
            return Error{what + ": an endpoint URL must not contain blanks, control or non-ASCII characters"};
        }
    }
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) {
        return Error{what + ": not a URL; expected http://HOST[:PORT][/PATH] or https://HOST[:PORT][/PATH]"};
    }
    Endpoint endpoint;
    endpoint.scheme = lower(url.substr(0, scheme_end));
    if (endpoint.scheme != "https" && endpoint.scheme != "http") {
        return Error{what + ": the scheme must be http or https"};
    }
    std::string_view rest = url.substr(scheme_end + 3);
    if (rest.find_first_of("?#") != std::string_view::npos) {
        return Error{what + ": an endpoint URL must not have a query (?) or fragment (#)"};
    }
    const auto path_start = rest.find('/');
    std::string_view authority = rest.substr(0, path_start);
    std::string_view path =
        path_start == std::string_view::npos ? std::string_view{} : rest.substr(path_start);
    if (authority.find('@') != std::string_view::npos) {
        return Error{what + ": user names or passwords in an endpoint URL are not supported"};
    }
    if (authority.find('\\') != std::string_view::npos || path.find('\\') != std::string_view::npos) {
        return Error{what + ": backslashes are not allowed in an endpoint URL"};
    }

    std::string_view host;
    std::string_view port;
    bool has_port = false;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return Error{what + ": unterminated IPv6 address"};
        host = authority.substr(0, close + 1);
        if (!is_valid_ipv6_literal(host.substr(1, host.size() - 2))) {
            return Error{what + ": invalid IPv6 address"};
        }
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return Error{what + ": unexpected text after the IPv6 address"};
            port = after.substr(1);
            has_port = true;
        }
    } else {
        const auto colon = authority.find(':');
        host = authority.substr(0, colon);
        if (colon != std::string_view::npos) {
            port = authority.substr(colon + 1);
            has_port = true;
        }
        if (host.empty()) return Error{what + ": the URL has no host"};
        if (!is_valid_hostname(host)) return Error{what + ": invalid host name"};
    }
    if (has_port) {
        if (port.empty() || port.size() > 5) return Error{what + ": invalid port"};
        unsigned value = 0;
        for (char c : port) {
            if (c < '0' || c > '9') return Error{what + ": invalid port"};
            value = value * 10 + static_cast<unsigned>(c - '0');
        }
        if (value == 0 || value > 65535) return Error{what + ": the port must be between 1 and 65535"};
        endpoint.port = static_cast<std::uint16_t>(value);
    }
    endpoint.host = lower(host);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    endpoint.path = std::string(path);
    endpoint.url = endpoint.scheme + "://" + endpoint.authority() + endpoint.path;
    endpoint.source = std::string(origin);
    return endpoint;
}

Result<Endpoint> resolve_endpoint(std::string_view service, std::string_view region,
                                  const EndpointOptions &options) {
    const ServiceSpec *spec = find_service(service);
    if (spec == nullptr) {
        return Error{"unknown AWS service " + quoted(service) +
                     " (known: ecr, ecr-public, sts, rolesanywhere)"};
    }
    // ECR Public's API is only in us-east-1.
    if (spec->id == "ecr-public") region = "us-east-1";
    if (region.empty()) {
        return Error{"no AWS region for " + std::string(spec->id) +
                     ": set AWS_REGION or the profile's region"};
    }
    if (!is_valid_region(region)) {
        return Error{"invalid AWS region " + quoted(region) + " for " + std::string(spec->id) +
                     " (expected something like us-east-1)"};
    }
    auto fips = resolve_flag(options.use_fips, "AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint", options);
    if (!fips) return fips.error();
    auto dualstack =
        resolve_flag(options.use_dualstack, "AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint", options);
    if (!dualstack) return dualstack.error();

    const Partition &partition = partition_for_region(region);
    auto override_url = find_override(*spec, options);
    if (!override_url) return override_url.error();

    Endpoint endpoint;
    if (override_url.value()) {
        const Override &chosen = *override_url.value();
        if (fips->value) {
            return Error{chosen.source + " sets a custom endpoint while FIPS is on (" + fips->source +
                         "); AWS SDKs do not support both: remove one"};
        }
        if (dualstack->value) {
            return Error{chosen.source + " sets a custom endpoint while dual-stack is on (" +
                         dualstack->source + "); AWS SDKs do not support both: remove one"};
        }
        auto parsed = parse_endpoint_url(chosen.url, chosen.source);
        if (!parsed) return parsed.error();
        endpoint = std::move(parsed.value());
    } else {
        if (fips->value && !partition.supports_fips) {
            return Error{"FIPS is on (" + fips->source + ") but partition " + std::string(partition.id) +
                         " has no FIPS endpoints"};
        }
        if (dualstack->value && !partition.supports_dual_stack) {
            return Error{"dual-stack is on (" + dualstack->source + ") but partition " +
                         std::string(partition.id) + " has no dual-stack endpoints"};
        }
        auto host = default_host(*spec, region, partition, fips->value, dualstack->value);
        if (!host) return host.error();
        endpoint.scheme = "https";
        endpoint.host = std::move(host.value());
        endpoint.url = "https://" + endpoint.host;
        endpoint.source = "default";
    }
    endpoint.signing_name = std::string(spec->signing_name);
    endpoint.signing_region =
        (spec->id == "sts" && region == "aws-global") ? "us-east-1" : std::string(region);
    endpoint.partition = std::string(partition.id);
    return endpoint;
}

} // namespace pullcred::aws
