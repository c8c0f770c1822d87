// matchImages globs: match_image, validate_pattern, filepath_match and the
// auth-key helpers. Input: "PATTERN|IMAGE" (split at the first '|'; no '|'
// means the whole input is both).
// Properties: nothing crashes, whatever validate_pattern says; matching an
// image given as text and as a parsed ImageRef agree; a pattern that
// validate_pattern accepts and has no glob character matches itself as an
// image; a literal (meta-free) filepath_match pattern matches exactly
// itself; "*" matches a name iff it has no '/'.
#include "match/glob.hpp"
#include "fuzz_check.hpp"
#include "match/image_ref.hpp"

using namespace pullcred;
using match::GlobResult;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    const auto bar = text.find('|');
    const auto pattern = bar == std::string_view::npos ? text : text.substr(0, bar);
    const auto image = bar == std::string_view::npos ? text : text.substr(bar + 1);

    const bool matched = match::match_image(pattern, image);
    if (auto ref = match::ImageRef::parse(image); ref.ok()) {
        FUZZ_CHECK(match::match_image(pattern, *ref) == matched, "text and ImageRef disagree: pattern " +
                                                                     fuzz::escape(pattern) + " image " +
                                                                     fuzz::escape(image));
    }

    const auto valid = match::validate_pattern(pattern);
    (void)match::validate_pattern(pattern, match::PatternKind::auth_key);
    if (valid.ok() && pattern.find_first_of("*?[]\\") == std::string_view::npos) {
        FUZZ_CHECK(match::match_image(pattern, pattern),
                   "valid literal pattern does not match itself: " + fuzz::escape(pattern));
    }
    if (valid.ok()) FUZZ_CHECK(!pattern.empty(), "empty pattern accepted");

    (void)match::normalize_auth_key(pattern);
    (void)match::match_auth_key(pattern, image);

    // filepath_match on the raw pieces.
    const auto glob = match::filepath_match(pattern, image);
    if (pattern.find_first_of("*?[\\") == std::string_view::npos) {
        FUZZ_CHECK(glob == (pattern == image ? GlobResult::match : GlobResult::no_match),
                   "literal pattern " + fuzz::escape(pattern) + " vs " + fuzz::escape(image));
    }
    const bool has_slash = image.find('/') != std::string_view::npos;
    FUZZ_CHECK(match::filepath_match("*", image) == (has_slash ? GlobResult::no_match : GlobResult::match),
               "\"*\" vs " + fuzz::escape(image));
    return 0;
}
