// matchImages globs with kubelet's exact semantics.
//
// Kubelet (pkg/credentialprovider URLsMatchStr / URLsMatch) parses pattern and
// image alike as "https://" + text with Go's net/url, then a pattern matches
// an image when all of these hold:
//   1. the ports are equal as strings ("" only equals "");
//   2. the hosts have as many '.'-separated labels;
//   3. the image path starts with the pattern path (raw prefix, no glob);
//   4. each host label matches with Go's path/filepath.Match.
// A pattern or image that does not parse, or a label that is a bad glob, is
// no match. Consequences worth knowing (all covered by tests):
//   - '?' starts a URL query, so "reg?stry.io" behaves like "reg";
//   - '\\' and '^' are rejected by Go's URL parser in a host, so glob escapes
//     and "[^...]" negation cannot be used (Go's Match has no "[!...]" form:
//     '!' in a class is a literal);
//   - "[::1]" (an IPv6 literal without a port) is read as a character class
//     and never matches "[::1]/x"; "[::1]:5000" works;
//   - a class together with a port ("reg[a-z].io:5000") never matches:
//     net.SplitHostPort rejects '[', so the port stays glued to the last label;
//   - matchImages patterns are not stripped of "https://": the pattern
//     "https://registry.io" is read as host "https:" and path "//registry.io".
//     Only response auth keys are normalised (normalize_auth_key).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "match/image_ref.hpp"
#include "util/result.hpp"

namespace pullcred::match {

enum class GlobResult : std::uint8_t { no_match, match, bad_pattern };

// Faithful port of Go's path/filepath.Match on Linux: '*' (any run of
// non-'/' bytes), '?' (one non-'/' rune), '[' ['^'] ranges ']' over runes,
// '\\' escapes; bad_pattern is Go's ErrBadPattern (Go also reports it for a
// malformed tail after a mismatch). Allocation-free.
GlobResult filepath_match(std::string_view pattern, std::string_view name) noexcept;

// Kubelet's URLsMatchStr(pattern, image). Allocation-free unless pattern or
// image contains %-escapes.
bool match_image(std::string_view pattern, std::string_view image);
// Same, for an image already parsed (ImageRef::parse is stricter than kubelet,
// so this is only reachable for well-formed images).
bool match_image(std::string_view pattern, const ImageRef &image);
// Kubelet's URLsMatchStr(pattern, image.registry()): the image's host and
// port, with no path.
bool match_registry(std::string_view pattern, const ImageRef &image);

enum class PatternKind : std::uint8_t {
    match_images, // a matchImages entry: used verbatim by kubelet
    auth_key,     // a key of a response's "auth" map: normalised first (normalize_auth_key)
};

// Checks a pattern for configuration files and says why it is invalid or
// can never match. Stricter than kubelet, which accepts all of these and then
// silently never (or wrongly) matches: empty or over kMaxImageRefLength,
// control characters or spaces, '?' or '#', a URL scheme (any scheme for
// match_images; other than "https://"/"http://" for auth_key), userinfo,
// anything Go's URL parser rejects ("\\", "^", a glob in the port, bad
// brackets, bad %-escapes), an empty host or port, an IPv6 literal without a
// port, a character class combined with a port, a label that is a bad glob
// (unbalanced '[', "[]", "[a-]", ...), and glob characters in the path (which
// is compared literally).
Status validate_pattern(std::string_view pattern, PatternKind kind = PatternKind::match_images);

// Kubelet's BasicDockerKeyring.Add key for an auth map entry: "https://" is
// prepended unless the text starts with "https://" or "http://"; it is then
// URL-parsed and becomes host + path, with a leading "/v1/" or "/v2/" reduced
// to "/" and a path of "/" dropped: "https://quay.io/v1/" -> "quay.io".
Result<std::string> normalize_auth_key(std::string_view key);

// Whether kubelet would offer the credential stored under `key` (an auth map
// key of a response) for `image`: normalize_auth_key, then match_image.
bool match_auth_key(std::string_view key, std::string_view image);
bool match_auth_key(std::string_view key, const ImageRef &image);

} // namespace pullcred::match
