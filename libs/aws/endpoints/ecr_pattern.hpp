// Which matchImages patterns of an aws.ecr rule can send it registry hosts
// that are not Amazon ECR hosts.
//
// aws.ecr answers ECR hosts (parse_ecr_host), refuses ECR look-alikes
// (looks_like_ecr_private_host) and answers any other host only when the rule
// declares it a mirror (`mirrorOf`). A pattern is "ECR-only" when every host
// it can match (kubelet's glob semantics: same label count, each label a
// filepath.Match glob) is an ECR host or a look-alike. The check is sound and
// simple, not exact: it never calls a pattern ECR-only that is not, and may
// warn about an odd pattern that only matches look-alikes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pullcred::aws {

// True when `pattern` (a matchImages entry, host[:port][/path]) can match a
// registry host that is neither an ECR host nor an ECR look-alike.
bool pattern_can_match_non_ecr_host(std::string_view pattern);

// The warning for one matchImages entry of an aws.ecr rule, without the
// location (the caller prefixes `registries[N].matchImages[M] `); nullopt when
// the pattern is fine. `mirror_of` is the rule's mirrorOf, empty when unset:
// then any non-ECR host is refused; with it, a wildcard pattern that can match
// non-ECR hosts lends mirrorOf's token to each of them.
std::optional<std::string> ecr_pattern_warning(std::string_view pattern, std::string_view mirror_of);

} // namespace pullcred::aws
