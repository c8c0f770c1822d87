#include "match/glob.hpp"

#include <algorithm>

namespace pullcred::match {

namespace {

constexpr auto npos = std::string_view::npos;
constexpr char kSeparator = '/'; // filepath.Separator on Linux

struct Decoded {
    char32_t rune;
    std::size_t size;
};

// Go utf8.DecodeRuneInString: (RuneError, 1) for any invalid or truncated
// sequence (overlong forms, surrogates, > U+10FFFF), (RuneError, 0) for "".
Decoded decode_rune(std::string_view s) noexcept {
    constexpr char32_t kRuneError = 0xFFFD;
    if (s.empty()) return {kRuneError, 0};
    const auto byte = [s](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const auto continuation = [&](std::size_t i, unsigned char lo, unsigned char hi) {
        return i < s.size() && byte(i) >= lo && byte(i) <= hi;
    };
    const unsigned char b0 = byte(0);
    if (b0 < 0x80) return {b0, 1};
    if (b0 >= 0xC2 && b0 <= 0xDF && continuation(1, 0x80, 0xBF))
        return {static_cast<char32_t>((b0 & 0x1Fu) << 6 | (byte(1) & 0x3Fu)), 2};
    if (b0 >= 0xE0 && b0 <= 0xEF) {
        const unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80;
        const unsigned char hi = b0 == 0xED ? 0x9F : 0xBF;
        if (continuation(1, lo, hi) && continuation(2, 0x80, 0xBF))
            return {static_cast<char32_t>((b0 & 0x0Fu) << 12 | (byte(1) & 0x3Fu) << 6 | (byte(2) & 0x3Fu)),
                    3};
    }
    if (b0 >= 0xF0 && b0 <= 0xF4) {
        const unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80;
        const unsigned char hi = b0 == 0xF4 ? 0x8F : 0xBF;
        if (continuation(1, lo, hi) && continuation(2, 0x80, 0xBF) && continuation(3, 0x80, 0xBF))
            return {static_cast<char32_t>((b0 & 0x07u) << 18 | (byte(1) & 0x3Fu) << 12 |
                                          (byte(2) & 0x3Fu) << 6 | (byte(3) & 0x3Fu)),
                    4};
    }
    return {kRuneError, 1};
}

struct Chunk {
    bool star;
    std::string_view chunk;
    std::string_view rest;
};

// Go scanChunk: the next run of non-'*' pattern, possibly preceded by stars.
Chunk scan_chunk(std::string_view pattern) noexcept {
    bool star = false;
    while (!pattern.empty() && pattern[0] == '*') {
        pattern.remove_prefix(1);
        star = true;
    }
    bool in_range = false;
    std::size_t i = 0;
    for (; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c == '\\') {
            if (i + 1 < pattern.size()) ++i; // error check handled in match_chunk
        } else if (c == '[') {
            in_range = true;
        } else if (c == ']') {
            in_range = false;
        } else if (c == '*' && !in_range) {
            break;
        }
    }
    return {star, pattern.substr(0, i), pattern.substr(i)};
}

// Go getEsc: a possibly escaped rune inside a class. False = ErrBadPattern.
bool get_escaped(std::string_view &chunk, char32_t &rune) noexcept {
    if (chunk.empty() || chunk[0] == '-' || chunk[0] == ']') return false;
    if (chunk[0] == '\\') {
        chunk.remove_prefix(1);
        if (chunk.empty()) return false;
    }
    const auto decoded = decode_rune(chunk);
    rune = decoded.rune;
    const bool invalid = decoded.rune == 0xFFFD && decoded.size == 1;
    chunk.remove_prefix(decoded.size);
    return !invalid && !chunk.empty();
}

struct ChunkMatch {
    std::string_view rest;
    bool ok = false;
    bool bad_pattern = false;
};

// Go matchChunk: does chunk match the start of s? After a mismatch it keeps
// walking the chunk so that a malformed pattern is still reported.
ChunkMatch match_chunk(std::string_view chunk, std::string_view s) noexcept {
    constexpr ChunkMatch kBad{{}, false, true};
    bool failed = false;
    while (!chunk.empty()) {
        if (!failed && s.empty()) failed = true;
        switch (chunk[0]) {
        case '[': {
            char32_t rune = 0;
            if (!failed) {
                const auto decoded = decode_rune(s);
                rune = decoded.rune;
                s.remove_prefix(decoded.size);
            }
            chunk.remove_prefix(1);
            bool negated = false;
            if (!chunk.empty() && chunk[0] == '^') {
                negated = true;
                chunk.remove_prefix(1);
            }
            bool matched = false;
            int ranges = 0;
            for (;;) {
                if (!chunk.empty() && chunk[0] == ']' && ranges > 0) {
                    chunk.remove_prefix(1);
                    break;
                }
                char32_t lo = 0;
                if (!get_escaped(chunk, lo)) return kBad;
                char32_t hi = lo;
                if (chunk[0] == '-') {
                    chunk.remove_prefix(1);
                    if (!get_escaped(chunk, hi)) return kBad;
                }
                if (lo <= rune && rune <= hi) matched = true;
                ++ranges;
            }
            if (matched == negated) failed = true;
            break;
        }
        case '?':
            if (!failed) {
                if (s[0] == kSeparator) failed = true;
                s.remove_prefix(decode_rune(s).size);
            }
            chunk.remove_prefix(1);
            break;
        case '\\':
            chunk.remove_prefix(1);
            if (chunk.empty()) return kBad;
            [[fallthrough]];
        default:
            if (!failed) {
                if (chunk[0] != s[0]) failed = true;
                s.remove_prefix(1);
            }
            chunk.remove_prefix(1);
            break;
        }
    }
    if (failed) return {};
    return {s, true, false};
}

std::size_t count_dots(std::string_view s) noexcept {
    return static_cast<std::size_t>(std::count(s.begin(), s.end(), '.'));
}

// Kubelet URLsMatch once both sides are parsed.
bool urls_match(const detail::GoUrl &glob, const detail::HostPort &target,
                std::string_view target_path) noexcept {
    const auto pattern = detail::split_host_port(glob.host);
    if (pattern.port != target.port) return false;
    if (count_dots(pattern.host) != count_dots(target.host)) return false;
    if (!target_path.starts_with(glob.path)) return false;
    std::string_view pattern_host = pattern.host;
    std::string_view target_host = target.host;
    for (;;) {
        const auto pattern_dot = pattern_host.find('.');
        const auto target_dot = target_host.find('.');
        if (filepath_match(pattern_host.substr(0, pattern_dot), target_host.substr(0, target_dot)) !=
            GlobResult::match)
            return false;
        if (pattern_dot == npos) return true; // equal label counts: target_dot is npos too
        pattern_host.remove_prefix(pattern_dot + 1);
        target_host.remove_prefix(target_dot + 1);
    }
}

bool has_scheme(std::string_view s) noexcept {
    const auto sep = s.find("://");
    if (sep == npos || sep == 0) return false;
    const auto first = static_cast<unsigned char>(s[0]);
    if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z'))) return false;
    return std::all_of(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(sep), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
               c == '-' || c == '.';
    });
}

std::string hex_byte(unsigned char c) {
    static constexpr char kDigits[] = "0123456789abcdef";
    return std::string("0x") + kDigits[c >> 4] + kDigits[c & 15];
}

// Why a label is an ErrBadPattern, in words.
std::string bad_glob_reason(std::string_view label) {
    for (std::size_t i = 0; i < label.size(); ++i) {
        if (label[i] == '\\') {
            if (i + 1 == label.size()) return "it ends with an escaping '\\'";
            ++i;
        } else if (label[i] == '[' && label.find(']', i + 1) == npos) {
            return "it has an unbalanced '['";
        }
    }
    return "it has a malformed character class (an empty \"[]\", a range without an end such as \"[a-]\" "
           "or a leading '-')";
}

// The port text as written in the pattern's authority, for messages.
std::string_view written_port(std::string_view text) noexcept {
    auto authority = text.substr(0, text.find('/'));
    if (const auto at = authority.rfind('@'); at != npos) authority.remove_prefix(at + 1);
    std::size_t colon = npos;
    if (!authority.empty() && authority[0] == '[') {
        const auto close = authority.rfind(']');
        if (close != npos && close + 1 < authority.size() && authority[close + 1] == ':') colon = close + 1;
    } else {
        colon = authority.find(':');
    }
    return colon == npos ? std::string_view{} : authority.substr(colon + 1);
}

std::string_view written_host(std::string_view text) noexcept {
    auto authority = text.substr(0, text.find('/'));
    if (const auto at = authority.rfind('@'); at != npos) authority.remove_prefix(at + 1);
    return authority;
}

} // namespace

GlobResult filepath_match(std::string_view pattern, std::string_view name) noexcept {
    while (!pattern.empty()) {
        const auto [star, chunk, rest] = scan_chunk(pattern);
        pattern = rest;
        if (star && chunk.empty()) {
            // Trailing '*' matches the rest of the name unless it has a '/'.
            return name.find(kSeparator) == npos ? GlobResult::match : GlobResult::no_match;
        }
        // Match at the current position; if this is the last chunk, it must use up the name.
        const auto here = match_chunk(chunk, name);
        if (here.ok && (here.rest.empty() || !pattern.empty())) {
            name = here.rest;
            continue;
        }
        if (here.bad_pattern) return GlobResult::bad_pattern;
        bool advanced = false;
        if (star) {
            // Let the star swallow i+1 bytes (never a '/').
            for (std::size_t i = 0; i < name.size() && name[i] != kSeparator; ++i) {
                const auto later = match_chunk(chunk, name.substr(i + 1));
                if (later.ok) {
                    if (pattern.empty() && !later.rest.empty()) continue;
                    name = later.rest;
                    advanced = true;
                    break;
                }
                if (later.bad_pattern) return GlobResult::bad_pattern;
            }
        }
        if (advanced) continue;
        // Before answering "no", make sure the rest of the pattern is well formed.
        while (!pattern.empty()) {
            const auto next = scan_chunk(pattern);
            pattern = next.rest;
            if (match_chunk(next.chunk, {}).bad_pattern) return GlobResult::bad_pattern;
        }
        return GlobResult::no_match;
    }
    return name.empty() ? GlobResult::match : GlobResult::no_match;
}

bool match_image(std::string_view pattern, std::string_view image) {
    detail::GoUrl glob;
    detail::GoUrl target;
    detail::GoUrlScratch glob_scratch;
    detail::GoUrlScratch target_scratch;
    if (!detail::parse_go_url(pattern, glob, glob_scratch)) return false;
    if (!detail::parse_go_url(image, target, target_scratch)) return false;
    return urls_match(glob, detail::split_host_port(target.host), target.path);
}

bool match_image(std::string_view pattern, const ImageRef &image) {
    detail::GoUrl glob;
    detail::GoUrlScratch scratch;
    if (!detail::parse_go_url(pattern, glob, scratch)) return false;
    // An ImageRef has no userinfo and no %-escapes: Go's URL.Host is the registry text.
    const detail::HostPort target{image.host(), image.port(), detail::SplitError::none};
    return urls_match(glob, target, image.path());
}

bool match_registry(std::string_view pattern, const ImageRef &image) {
    detail::GoUrl glob;
    detail::GoUrlScratch scratch;
    if (!detail::parse_go_url(pattern, glob, scratch)) return false;
    const detail::HostPort target{image.host(), image.port(), detail::SplitError::none};
    return urls_match(glob, target, {});
}

Result<std::string> normalize_auth_key(std::string_view key) {
    std::string_view rest = key;
    if (rest.starts_with("https://")) {
        rest.remove_prefix(8);
    } else if (rest.starts_with("http://")) {
        rest.remove_prefix(7);
    }
    detail::GoUrl url;
    detail::GoUrlScratch scratch;
    std::string message;
    if (!detail::parse_go_url(rest, url, scratch, &message)) return Error::failed(message);
    // The docker client treats "/v1/" and "/v2/" like the bare host (docker/registry ResolveAuthConfig).
    auto path = url.path;
    if (path.starts_with("/v2/") || path.starts_with("/v1/")) path.remove_prefix(3);
    std::string normalized(url.host);
    if (!path.empty() && path != "/") normalized += path;
    return normalized;
}

bool match_auth_key(std::string_view key, std::string_view image) {
    auto normalized = normalize_auth_key(key);
    return normalized.ok() && match_image(*normalized, image);
}

bool match_auth_key(std::string_view key, const ImageRef &image) {
    auto normalized = normalize_auth_key(key);
    return normalized.ok() && match_image(*normalized, image);
}

Status validate_pattern(std::string_view pattern, PatternKind kind) {
    const auto bad = [&](const std::string &why) {
        return Error::failed("pattern " + detail::go_quote(pattern) + " " + why);
    };
    if (pattern.empty()) return Error::failed("pattern is empty");
    if (pattern.size() > kMaxImageRefLength)
        return Error::failed("pattern is " + std::to_string(pattern.size()) + " bytes long; the limit is " +
                             std::to_string(kMaxImageRefLength));
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const auto c = static_cast<unsigned char>(pattern[i]);
        if (c < 0x20 || c == 0x7f)
            return bad("contains control character " + hex_byte(c) + " at offset " + std::to_string(i));
        if (c == ' ') return bad("contains a space at offset " + std::to_string(i));
    }

    std::string normalized;
    std::string_view text = pattern;
    if (has_scheme(pattern)) {
        const auto scheme = pattern.substr(0, pattern.find("://") + 3);
        if (kind == PatternKind::match_images)
            return bad("starts with the URL scheme \"" + std::string(scheme) +
                       "\": kubelet uses matchImages entries verbatim, so it would read the host as \"" +
                       std::string(scheme.substr(0, scheme.size() - 2)) +
                       "\" and never match an image; remove the scheme");
        if (scheme != "https://" && scheme != "http://")
            return bad("starts with the URL scheme \"" + std::string(scheme) +
                       "\": kubelet only strips \"https://\" and \"http://\" (lower case) from auth keys");
    }
    if (const auto q = pattern.find('?'); q != npos)
        return bad("contains '?' at offset " + std::to_string(q) +
                   ", which starts a URL query: kubelet ignores it and everything after it (it is not a "
                   "wildcard here; use '*' or a class such as [a-z])");
    if (const auto h = pattern.find('#'); h != npos)
        return bad("contains '#' at offset " + std::to_string(h) +
                   ", which starts a URL fragment: kubelet ignores it and everything after it");
    if (kind == PatternKind::auth_key) {
        if (text.starts_with("https://")) {
            text.remove_prefix(8);
        } else if (text.starts_with("http://")) {
            text.remove_prefix(7);
        }
    }

    if (const auto port = written_port(text); port.find_first_of("*?[]\\") != npos)
        return bad("has a glob in the port (\"" + std::string(port) +
                   "\"): ports are compared as plain strings and must be digits");
    if (const auto host = written_host(text); host.find('\\') != npos)
        return bad("contains '\\' in the host: Go's URL parser rejects it, so glob escapes cannot be used");
    else if (host.find('^') != npos)
        return bad(
            "contains '^' in the host: Go's URL parser rejects it, so negated classes ([^...]) cannot be "
            "used");
    if (kind == PatternKind::auth_key) {
        auto key = normalize_auth_key(pattern);
        if (!key) return bad("is not a URL kubelet can parse: " + key.error().message);
        normalized = std::move(*key);
        text = normalized;
    }
    detail::GoUrl url;
    detail::GoUrlScratch scratch;
    std::string message;
    if (!detail::parse_go_url(text, url, scratch, &message))
        return bad("is not a URL kubelet can parse: " + message);
    if (url.has_userinfo)
        return bad("has '@' before the first '/': kubelet reads what precedes it as URL userinfo and matches "
                   "only the host after it");

    const auto split = detail::split_host_port(url.host);
    const bool bracketed = !url.host.empty() && url.host[0] == '[';
    if (split.host.empty()) return bad("has an empty host");
    if (bracketed && split.error == detail::SplitError::missing_port)
        return bad(
            "is an IPv6 literal without a port: kubelet does not take it out of its brackets, reads \"" +
            std::string(url.host) +
            "\" as a glob character class and never matches it; add the port "
            "(\"[::1]:5000\")");
    if (split.error == detail::SplitError::unexpected_open_bracket ||
        split.error == detail::SplitError::unexpected_close_bracket)
        return bad("combines a character class with a port: kubelet's net.SplitHostPort rejects '[' and ']', "
                   "so the port stays glued to the last label and the pattern never matches");
    if (split.error == detail::SplitError::none && split.port.empty())
        return bad("has an empty port after ':'");
    if (!bracketed) {
        std::string_view labels = split.host;
        for (;;) {
            const auto dot = labels.find('.');
            const auto label = labels.substr(0, dot);
            if (filepath_match(label, {}) == GlobResult::bad_pattern)
                return bad("has the label \"" + std::string(label) +
                           "\", which is not a valid glob: " + bad_glob_reason(label));
            if (dot == npos) break;
            labels.remove_prefix(dot + 1);
        }
    }
    if (url.path.find_first_of("*[") != npos)
        return bad(
            "has glob characters in the path \"" + std::string(url.path) +
            "\": kubelet compares the path as a plain prefix, so they would have to appear in the image");
    return ok();
}

} // namespace pullcred::match
