// The canonical URI of SigV4 for every service but S3 (botocore's
// SigV4Auth._normalize_url_path): dot segments resolved, empty segments
// ("//") dropped, an empty path made "/", then the path as written is
// URI-encoded once more (so an escape "%2F" in the URL becomes "%252F",
// the "encode twice" rule; '/' and '~' are kept).
#pragma once

#include <string>
#include <string_view>

namespace pullcred::aws {

// RFC 3986 5.2.4 dot-segment removal plus empty-segment removal, exactly as
// botocore.utils.remove_dot_segments (a trailing '/' survives unless the
// result has no segment left).
std::string remove_dot_segments(std::string_view path);

std::string canonical_uri(std::string_view path);

} // namespace pullcred::aws
