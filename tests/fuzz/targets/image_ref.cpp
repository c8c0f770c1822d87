// ImageRef::parse: image references from kubelet requests.
// Properties: never crashes; an accepted reference is kept verbatim and its
// pieces add up: registry + path == text, path == "/" + repository
// [":" tag] ["@" digest], the port is digits that end the registry; the
// registry as a matchImages pattern (when valid) matches the image; an
// accepted reference is also accepted by Go's URL parser port.
#include "match/image_ref.hpp"
#include "fuzz_check.hpp"
#include "match/glob.hpp"

using namespace pullcred;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);

    match::detail::GoUrl url;
    match::detail::GoUrlScratch scratch;
    std::string go_error;
    const bool go_ok = match::detail::parse_go_url(text, url, scratch, &go_error);
    if (go_ok) (void)match::detail::split_host_port(url.host);

    auto ref = match::ImageRef::parse(text);
    if (!ref) {
        FUZZ_CHECK(!ref.error().message.empty(), "empty error message");
        return 0;
    }
    const auto what = "image " + fuzz::escape(text);
    FUZZ_CHECK(go_ok, what + " accepted, but Go's url.Parse refuses it: " + go_error);
    FUZZ_CHECK(ref->text() == text, what);
    FUZZ_CHECK(text.size() <= match::kMaxImageRefLength, what + ": too long");
    FUZZ_CHECK(!ref->registry().empty() && !ref->host().empty(), what + ": empty registry or host");
    FUZZ_CHECK(std::string(ref->registry()) + std::string(ref->path()) == text, what + ": registry + path");
    FUZZ_CHECK(ref->registry().find('/') == std::string_view::npos, what + ": '/' in registry");
    if (!ref->port().empty()) {
        FUZZ_CHECK(ref->port().find_first_not_of("0123456789") == std::string_view::npos, what + ": port");
        FUZZ_CHECK(ref->registry().ends_with(":" + std::string(ref->port())), what + ": port not at the end");
    }
    if (ref->path().empty()) {
        FUZZ_CHECK(ref->repository().empty() && ref->tag().empty() && ref->digest().empty(), what);
    } else {
        std::string rebuilt = "/" + std::string(ref->repository());
        if (!ref->tag().empty()) rebuilt += ":" + std::string(ref->tag());
        if (!ref->digest().empty()) rebuilt += "@" + std::string(ref->digest());
        FUZZ_CHECK(rebuilt == ref->path(), what + ": rebuilt path " + fuzz::escape(rebuilt));
        FUZZ_CHECK(!ref->repository().empty(), what + ": empty repository");
    }
    if (match::validate_pattern(ref->registry()).ok() &&
        ref->registry().find_first_of("*?[]") == std::string_view::npos) {
        FUZZ_CHECK(match::match_image(ref->registry(), *ref), what + ": its registry does not match it");
    }
    return 0;
}
