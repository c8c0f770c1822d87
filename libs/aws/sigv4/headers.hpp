// Header rules of the SigV4 canonical request.
#pragma once

#include <string>
#include <string_view>

namespace pullcred::aws {

// RFC 9110 field name: one or more tchar.
[[nodiscard]] bool is_valid_header_name(std::string_view name);

// RFC 9110 field value: no control character but HTAB (so no CR/LF
// injection); bytes >= 0x80 are allowed.
[[nodiscard]] bool is_valid_header_value(std::string_view value);

// ASCII lower-case.
std::string to_lower_ascii(std::string_view text);

// The canonical value (SigV4 "Trimall", as botocore does it: Python's
// ' '.join(value.split())): leading and trailing whitespace removed, every
// inner run of whitespace made one space. Whitespace is what Python's
// str.split() splits on, the ASCII ones and, in UTF-8, U+0085, U+00A0,
// U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F and U+3000.
std::string canonical_header_value(std::string_view value);

// Headers never signed when signing "all the request's headers" (lower-case
// name): botocore's SIGNED_HEADERS_BLACKLIST (expect, user-agent,
// x-amzn-trace-id, which proxies and clients rewrite) and authorization
// (the signature cannot sign itself).
[[nodiscard]] bool is_unsigned_header(std::string_view lower_case_name);

} // namespace pullcred::aws
