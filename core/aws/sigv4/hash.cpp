#include "aws/sigv4/hash.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace pullcred::aws {

Result<Sha256Digest> sha256(std::string_view data) {
    Sha256Digest digest{};
    std::size_t length = 0;
    if (EVP_Q_digest(nullptr, "SHA256", nullptr, data.data(), data.size(), digest.data(), &length) != 1 ||
        length != digest.size()) {
        return Error{"SHA-256 is not available from OpenSSL"};
    }
    return digest;
}

Result<std::string> sha256_hex(std::string_view data) {
    auto digest = sha256(data);
    if (!digest) return digest.error();
    return to_hex(*digest);
}

Result<Sha256Digest> hmac_sha256(std::span<const unsigned char> key, std::string_view data) {
    Sha256Digest mac{};
    std::size_t length = 0;
    const unsigned char *input = reinterpret_cast<const unsigned char *>(data.data());
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(), input, data.size(),
                  mac.data(), mac.size(), &length) == nullptr ||
        length != mac.size()) {
        return Error{"HMAC-SHA256 is not available from OpenSSL"};
    }
    return mac;
}

Result<Sha256Digest> hmac_sha256(std::string_view key, std::string_view data) {
    const auto *bytes = reinterpret_cast<const unsigned char *>(key.data());
    return hmac_sha256(std::span<const unsigned char>(bytes, key.size()), data);
}

std::string to_hex(std::span<const unsigned char> bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char byte : bytes) {
        out.push_back(digits[byte >> 4]);
        out.push_back(digits[byte & 0x0f]);
    }
    return out;
}

void secure_wipe(std::span<unsigned char> buffer) {
    if (!buffer.empty()) OPENSSL_cleanse(buffer.data(), buffer.size());
}

void secure_wipe(std::string &buffer) {
    if (!buffer.empty()) OPENSSL_cleanse(buffer.data(), buffer.size());
}

} // namespace pullcred::aws
