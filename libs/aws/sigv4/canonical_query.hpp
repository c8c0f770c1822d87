// The canonical query string of SigV4, computed from the query as written in
// the URL (botocore's SigV4Auth._canonical_query_string_url): split at '&',
// each piece split at its first '=' (no '=' means an empty value), pieces
// sorted by key then value (byte order), joined back as "k=v" with '&'.
//
// Keys and values are taken as written, not decoded and re-encoded: build
// the URL's query with encode_query() / uri_encode() (every reserved
// character escaped, spaces as %20, never '+') and the canonical form is what
// AWS computes on its side.
#pragma once

#include <string>
#include <string_view>

namespace pullcred::aws {

std::string canonical_query_string(std::string_view query);

} // namespace pullcred::aws
