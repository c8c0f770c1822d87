#include "aws/endpoints/ecr_pattern.hpp"

#include <vector>

#include "aws/endpoints/ecr_host.hpp"

namespace pullcred::aws {
namespace {

constexpr std::string_view kGlobCharacters = "*?[]\\%";

std::vector<std::string_view> labels_of(std::string_view host) {
    std::vector<std::string_view> labels;
    for (;;) {
        const auto dot = host.find('.');
        labels.push_back(host.substr(0, dot));
        if (dot == std::string_view::npos) return labels;
        host.remove_prefix(dot + 1);
    }
}

bool is_valid_port(std::string_view port) {
    if (port.empty() || port.size() > 5) return false;
    unsigned value = 0;
    for (char c : port) {
        if (c < '0' || c > '9') return false;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    return value >= 1 && value <= 65535;
}

// Every host matched by `labels` (all of them, in order) ends with ".SUFFIX"
// for an ECR DNS suffix and holds ".dkr.ecr" or ".dkr-ecr": such a host is
// either an ECR host or a look-alike (looks_like_ecr_private_host).
bool only_ecr_shaped_hosts(const std::vector<std::string_view> &labels) {
    const auto n = labels.size();
    for (std::string_view suffix : ecr_private_dns_suffixes()) {
        const auto suffix_labels = labels_of(suffix);
        const auto k = suffix_labels.size();
        if (n <= k) continue;
        bool suffix_matches = true;
        for (std::size_t j = 0; j < k; ++j)
            suffix_matches = suffix_matches && labels[n - k + j] == suffix_labels[j];
        if (!suffix_matches) continue;
        // A literal prefix of a glob label is a prefix of every label it matches.
        for (std::size_t i = 1; i + k < n; ++i) {
            if (labels[i] == "dkr" && labels[i + 1].starts_with("ecr")) return true;
            if (labels[i].starts_with("dkr-ecr")) return true;
        }
    }
    return false;
}

} // namespace

bool pattern_can_match_non_ecr_host(std::string_view pattern) {
    std::string_view host = pattern.substr(0, pattern.find('/'));
    if (host.empty() || host.front() == '[') return true;
    if (const auto colon = host.find(':'); colon != std::string_view::npos) {
        if (!is_valid_port(host.substr(colon + 1))) return true;
        host = host.substr(0, colon);
    }
    if (host.find_first_of(kGlobCharacters) == std::string_view::npos)
        return !parse_ecr_host(host) && !looks_like_ecr_private_host(host);
    return !only_ecr_shaped_hosts(labels_of(host));
}

std::optional<std::string> ecr_pattern_warning(std::string_view pattern, std::string_view mirror_of) {
    if (!pattern_can_match_non_ecr_host(pattern)) return std::nullopt;
    const std::string quoted = "\"" + std::string(pattern) + "\"";
    if (mirror_of.empty())
        return quoted + " can match registry hosts that are not Amazon ECR hosts, and aws.ecr gives those no "
                        "credential (each such pull fails): narrow it to ECR hosts (such as "
                        "\"*.dkr.ecr.*.amazonaws.com\"), or, for a pull-through mirror, list the mirror's "
                        "host and add "
                        "`mirrorOf: <account>.dkr.ecr.<region>.amazonaws.com` to the rule";
    const std::string_view host = pattern.substr(0, pattern.find('/'));
    if (host.find_first_of(kGlobCharacters) == std::string_view::npos) return std::nullopt;
    return quoted +
           " has wildcards and can match hosts that are not Amazon ECR hosts, and the rule's mirrorOf "
           "gives each of them the token of " +
           std::string(mirror_of) + ": list the mirror's host exactly";
}

} // namespace pullcred::aws
