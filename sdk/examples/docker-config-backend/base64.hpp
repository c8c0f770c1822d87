#pragma once

#include <optional>
#include <string>
#include <string_view>

// Standard base64 (RFC 4648) with padding; nullopt for anything malformed.
std::optional<std::string> base64_decode(std::string_view text);
