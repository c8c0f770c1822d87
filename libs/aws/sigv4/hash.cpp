#include "aws/sigv4/hash.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>

namespace pullcred::aws {
namespace {

// Fetched once (thread-safe static init), shared read-only by every thread.
const EVP_MD *sha256_md() {
    static EVP_MD *md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return md;
}

EVP_MAC *hmac_algorithm() {
    static EVP_MAC *mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    return mac;
}

} // namespace

Result<Sha256Digest> sha256(std::string_view data) {
    Sha256Digest digest{};
    unsigned int length = 0;
    if (sha256_md() == nullptr ||
        EVP_Digest(data.data(), data.size(), digest.data(), &length, sha256_md(), nullptr) != 1 ||
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
    const Error unavailable{"HMAC-SHA256 is not available from OpenSSL"};
    if (hmac_algorithm() == nullptr) return unavailable;
    std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(EVP_MAC_CTX_new(hmac_algorithm()),
                                                                  EVP_MAC_CTX_free);
    char digest_name[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                                 OSSL_PARAM_construct_end()};
    Sha256Digest mac{};
    std::size_t length = 0;
    if (!ctx || EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1 ||
        EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char *>(data.data()), data.size()) != 1 ||
        EVP_MAC_final(ctx.get(), mac.data(), &length, mac.size()) != 1 || length != mac.size()) {
        return unavailable;
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
