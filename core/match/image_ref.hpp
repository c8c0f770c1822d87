// Image references as kubelet sees them when it matches credentials.
//
// Kubelet never parses an image with a container-image grammar when it
// matches: it prepends "https://", runs Go's net/url.Parse, and reads the
// host, the port (net.SplitHostPort) and the path. detail:: below is a
// faithful port of exactly those pieces; ImageRef adds the registry /
// repository / tag / digest split pullcred needs and rejects anything that is
// not a plausible image reference.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace pullcred::match {

// Longest image reference ImageRef accepts (kubelet's own references are far
// shorter: a repository name is at most 255 bytes).
inline constexpr std::size_t kMaxImageRefLength = 4096;

namespace detail {

// Go's url.Parse("https://" + text), reduced to the fields kubelet reads.
struct GoUrl {
    std::string_view host;     // URL.Host: "host", "host:port", "[v6]:port"; percent-decoded
    std::string_view path;     // URL.Path: percent-decoded, "" when text has no '/'
    bool has_userinfo = false; // text had "userinfo@" before the host
};

// Backing store for decoded parts. Untouched (no allocation) unless the host
// or the path contains a %-escape. Must outlive the GoUrl that points into it.
struct GoUrlScratch {
    std::string host;
    std::string path;
};

// Port of Go net/url.Parse("https://" + text) (the scheme is then ignored, as
// in kubelet's ParseSchemelessURL): cuts "#fragment" and "?query", splits the
// authority at the first '/', takes userinfo up to the last '@', validates and
// decodes the host (RFC 6874 zones, IPv6 literals, "only %XX for non-ASCII")
// and the path. Follows Go >= 1.26 for hosts: a bracketed literal must be a
// valid IPv6 address, and outside brackets a host has at most one ':'.
// Deliberately NOT ported: Go 1.26.1's rejection of '[' after the first byte
// of a host (CVE-2026-25679), because kubelet's documented matchImages
// behaviour (character classes such as "reg[a-z]stry.io") relies on it.
// Returns false on error and, if `error` is not null, stores Go's message.
bool parse_go_url(std::string_view text, GoUrl &out, GoUrlScratch &scratch, std::string *error = nullptr);

enum class SplitError : std::uint8_t {
    none,
    missing_port,
    too_many_colons,
    missing_close_bracket,
    unexpected_open_bracket,
    unexpected_close_bracket,
};

struct HostPort {
    std::string_view host;
    std::string_view port;
    SplitError error = SplitError::none;
};

// Go net.SplitHostPort with kubelet's fallback (SplitURL): on error, host is
// the whole input and port is "". "[::1]:5000" -> ("::1", "5000");
// "[::1]" -> ("[::1]", "", missing_port); "a.io:" -> ("a.io", "").
HostPort split_host_port(std::string_view host_port) noexcept;

// Go netip.ParseAddr(addr) succeeds and the address is not IPv4 (the test
// Go's url.Parse applies to the inside of "[...]"). Returns nullptr when
// valid, otherwise the reason.
const char *ipv6_literal_error(std::string_view addr) noexcept;

// Go strconv.Quote for ASCII (control bytes as \xNN), for error messages.
std::string go_quote(std::string_view text);

} // namespace detail

// An image reference from a CredentialProviderRequest, e.g.
// "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app". Kubelet sends it
// normalised and without tag or digest; a tag or digest is accepted anyway and
// split off for repository(), but stays in path() because kubelet matches the
// raw text.
class ImageRef {
public:
    // Errors: empty, longer than kMaxImageRefLength, bytes other than
    // [A-Za-z0-9._-/:@+=[]] (spaces, control characters, non-ASCII, '%', '?',
    // '#', ...), a URL scheme, userinfo, misplaced or invalid IPv6 brackets,
    // an empty or non-numeric port, an empty registry or repository segment,
    // a malformed tag or digest, and anything Go's url.Parse rejects.
    static Result<ImageRef> parse(std::string_view image);

    // The text as given.
    [[nodiscard]] const std::string &text() const noexcept { return text_; }
    // Everything before the first '/', exactly as in the image: host[:port].
    // This is kubelet's "Registry" cache key (plugin.go parseRegistry).
    [[nodiscard]] std::string_view registry() const noexcept { return view(registry_); }
    // Kubelet's view of the host (net.SplitHostPort, falling back to the whole
    // registry when that fails): "[::1]:5000" -> "::1", but "[::1]" -> "[::1]".
    [[nodiscard]] std::string_view host() const noexcept { return view(host_); }
    // Port digits, "" when there is none.
    [[nodiscard]] std::string_view port() const noexcept { return view(port_); }
    // Go's URL.Path: from the first '/' to the end, tag and digest included;
    // "" when the image has no '/'. Kubelet compares this as a raw prefix.
    [[nodiscard]] std::string_view path() const noexcept { return view(path_); }
    // Path without the leading '/', the ":tag" and the "@digest".
    [[nodiscard]] std::string_view repository() const noexcept { return view(repository_); }
    // Tag without ':', "" when absent.
    [[nodiscard]] std::string_view tag() const noexcept { return view(tag_); }
    // Digest without '@' ("sha256:..."), "" when absent.
    [[nodiscard]] std::string_view digest() const noexcept { return view(digest_); }

private:
    struct Span {
        std::uint32_t offset = 0;
        std::uint32_t length = 0;
    };
    [[nodiscard]] std::string_view view(Span span) const noexcept {
        return std::string_view(text_).substr(span.offset, span.length);
    }

    std::string text_;
    Span registry_, host_, port_, path_, repository_, tag_, digest_;
};

// Same as ImageRef::parse.
inline Result<ImageRef> parse_image_ref(std::string_view image) {
    return ImageRef::parse(image);
}

} // namespace pullcred::match
