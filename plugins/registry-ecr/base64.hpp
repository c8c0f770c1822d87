// Strict standard base64 (RFC 4648 section 4): padding optional, no blanks,
// no other alphabet.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pullcred_ecr {

std::optional<std::string> base64_decode(std::string_view text);

} // namespace pullcred_ecr
