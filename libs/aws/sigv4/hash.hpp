// SHA-256 and HMAC-SHA256 (OpenSSL EVP), and lower-case hex.
#pragma once

#include "aws/result.hpp"

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace pullcred::aws {

using Sha256Digest = std::array<unsigned char, 32>;

// SHA-256 of `data`.
Result<Sha256Digest> sha256(std::string_view data);

// Lower-case hex SHA-256 of `data` (the SigV4 payload and canonical-request hash).
Result<std::string> sha256_hex(std::string_view data);

// HMAC-SHA256 of `data` under `key`. The key may be secret: it never appears in errors.
Result<Sha256Digest> hmac_sha256(std::span<const unsigned char> key, std::string_view data);
Result<Sha256Digest> hmac_sha256(std::string_view key, std::string_view data);

// Lower-case hex of `bytes`.
std::string to_hex(std::span<const unsigned char> bytes);

// Overwrites `buffer` with zeros in a way the compiler keeps (OPENSSL_cleanse).
void secure_wipe(std::span<unsigned char> buffer);
void secure_wipe(std::string &buffer);

} // namespace pullcred::aws
