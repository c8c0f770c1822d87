// SigV4 URI encoding: every byte except the unreserved characters
// A-Z a-z 0-9 - _ . ~ becomes %XX (upper-case hex), as RFC 3986 and AWS's
// canonical form require ('+' and ' ' included: a space is %20, never '+').
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pullcred::aws {

enum class SlashEncoding {
    encode, // '/' -> %2F (query keys and values)
    keep,   // '/' kept (paths)
};

[[nodiscard]] bool is_unreserved(unsigned char c);

std::string uri_encode(std::string_view text, SlashEncoding slash = SlashEncoding::encode);

// "k1=v1&k2=v2" with every key and value uri_encode()d, in the given order:
// the form to put after '?' in HttpRequestToSign::url (and the form SigV4's
// canonical query string expects to find there).
std::string encode_query(const std::vector<std::pair<std::string, std::string>> &parameters);

} // namespace pullcred::aws
