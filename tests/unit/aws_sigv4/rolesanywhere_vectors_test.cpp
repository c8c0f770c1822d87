// SigV4-X509 (Roles Anywhere) canonical request and string to sign, checked
// byte for byte against the public vectors in tests/vectors/rolesanywhere
// (read at run time, never copied here; skipped when absent). The RSA
// signature of our string to sign is checked against the vectors' too.
#include "aws/sigv4/sigv4.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

namespace pullcred::aws {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono;

fs::path vector_dir() {
    if (const char *env = std::getenv("PULLCRED_ROLESANYWHERE_VECTORS")) return env;
    return fs::path(PULLCRED_SOURCE_DIR) / "tests" / "vectors" / "rolesanywhere";
}

std::optional<std::string> read_file(const fs::path &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// One-line standard base64 of the DER inside the first CERTIFICATE block
// (a PEM body is that base64, wrapped).
std::string pem_certificate_base64(const std::string &pem) {
    const std::string begin = "-----BEGIN CERTIFICATE-----";
    const auto start = pem.find(begin);
    const auto end = pem.find("-----END CERTIFICATE-----");
    if (start == std::string::npos || end == std::string::npos || end < start) return {};
    std::string out;
    for (char c : pem.substr(start + begin.size(), end - start - begin.size())) {
        if (c != '\n' && c != '\r' && c != ' ') out.push_back(c);
    }
    return out;
}

struct Vector {
    std::string canonical_request;
    std::string string_to_sign;
    std::string out; // "canonical-request-sha256: <hex>\n<hex RSA signature>"
};

class sigv4_rolesanywhere : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = vector_dir();
        ASSERT_TRUE(fs::exists(dir_ / "README.md")) << "no Roles Anywhere vectors at " << dir_;
    }

    std::string must_read(const std::string &name) {
        auto text = read_file(dir_ / name);
        EXPECT_TRUE(text.has_value()) << "cannot read " << (dir_ / name);
        return text.value_or("");
    }

    Vector load(const std::string &version) {
        return {must_read(version + ".canonical_request.txt"), must_read(version + ".string_to_sign.txt"),
                must_read(version + ".out")};
    }

    // The request of the README's "Common inputs", without X-Amz-Date.
    HttpRequestToSign request(bool with_chain) {
        const std::string body = "{\"durationSeconds\":3600.0,\"profileArn\":\"arn:profile-arn\",\"roleArn\":"
                                 "\"arn:role-arn\",\"roleSessionName\":\"session\",\"trustAnchorArn\":\"arn:"
                                 "trust-anchor-arn\"}";
        auto body_hash = sha256_hex(body);
        EXPECT_TRUE(body_hash.ok());
        HttpRequestToSign out{
            "POST", "https://rolesanywhere.ap-southeast-2.amazonaws.com/sessions", {}, body};
        out.headers.emplace_back("Content-Type", "application/json");
        out.headers.emplace_back("X-Amz-Content-SHA256", body_hash.value());
        out.headers.emplace_back("X-Amz-X509", pem_certificate_base64(must_read("cert.pem")));
        if (with_chain)
            out.headers.emplace_back("X-Amz-X509-Chain", pem_certificate_base64(must_read("chain.pem")));
        return out;
    }

    static SignedHeaderSelection selection(bool with_chain) {
        std::vector<std::string> names = {"X-Amz-X509", "content-type", "host", "x-amz-content-sha256",
                                          "X-Amz-Date"};
        if (with_chain) names.emplace_back("x-amz-x509-chain");
        return SignedHeaderSelection::exactly(names);
    }

    static SigningScope scope() {
        return {"rolesanywhere", "ap-southeast-2", sys_days{2018y / January / 2} + 3h + 4min + 5s};
    }

    // RSASSA-PKCS1-v1_5 / SHA-256 of `message` with key.pem, lower-case hex.
    std::string rsa_sign_hex(const std::string &message) {
        const std::string pem = must_read("key.pem");
        std::unique_ptr<BIO, decltype(&BIO_free)> bio(
            BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
        std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
            PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
        if (!key) return "cannot load key.pem";
        std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
        std::size_t length = 0;
        if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
            EVP_DigestSign(ctx.get(), nullptr, &length,
                           reinterpret_cast<const unsigned char *>(message.data()), message.size()) != 1) {
            return "signing failed";
        }
        std::vector<unsigned char> signature(length);
        if (EVP_DigestSign(ctx.get(), signature.data(), &length,
                           reinterpret_cast<const unsigned char *>(message.data()), message.size()) != 1) {
            return "signing failed";
        }
        signature.resize(length);
        return to_hex(signature);
    }

    void check(const std::string &version, bool with_chain) {
        const Vector expected = load(version);
        ASSERT_FALSE(expected.canonical_request.empty());

        // 1. prepare_signature(): adds X-Amz-Date itself.
        auto prepared =
            prepare_signature(request(with_chain), kX509RsaAlgorithm, scope(), selection(with_chain));
        ASSERT_TRUE(prepared.ok()) << prepared.error().message;
        EXPECT_EQ(prepared->amz_date, "20180102T030405Z");
        EXPECT_EQ(prepared->canonical_request.text, expected.canonical_request);
        EXPECT_EQ(prepared->string_to_sign, expected.string_to_sign);
        EXPECT_EQ(prepared->credential_scope, "20180102/ap-southeast-2/rolesanywhere/aws4_request");

        // 2. build_canonical_request() + string_to_sign() on a request that already has X-Amz-Date.
        HttpRequestToSign dated = request(with_chain);
        dated.headers.emplace_back("X-Amz-Date", "20180102T030405Z");
        auto canonical = build_canonical_request(dated, selection(with_chain));
        ASSERT_TRUE(canonical.ok()) << canonical.error().message;
        EXPECT_EQ(canonical->text, expected.canonical_request);
        auto to_sign = string_to_sign(kX509RsaAlgorithm, "20180102T030405Z",
                                      credential_scope("20180102T030405Z", "ap-southeast-2", "rolesanywhere"),
                                      canonical->text);
        ASSERT_TRUE(to_sign.ok());
        EXPECT_EQ(*to_sign, expected.string_to_sign);

        // 3. The .out file: canonical request hash, and the RSA signature of our string to sign.
        auto hash = sha256_hex(prepared->canonical_request.text);
        ASSERT_TRUE(hash.ok());
        EXPECT_EQ(expected.out.rfind("canonical-request-sha256: " + *hash + "\n", 0), 0u) << expected.out;
        const std::string signature = rsa_sign_hex(prepared->string_to_sign);
        EXPECT_NE(expected.out.find("\n" + signature), std::string::npos) << signature;

        // 4. The Authorization header a Roles Anywhere client would send.
        const std::string authorization = authorization_header(
            kX509RsaAlgorithm, "131827979019394590882466519576505238184", prepared->credential_scope,
            prepared->canonical_request.signed_headers, signature);
        EXPECT_EQ(
            authorization.rfind("AWS4-X509-RSA-SHA256 Credential=131827979019394590882466519576505238184/"
                                "20180102/ap-southeast-2/rolesanywhere/aws4_request, SignedHeaders=content-"
                                "type;host;x-amz-content-sha256;x-amz-date;x-amz-x509",
                                0),
            0u)
            << authorization;
    }

    fs::path dir_;
};

TEST_F(sigv4_rolesanywhere, V1LeafOnly) {
    check("v1", false);
}

TEST_F(sigv4_rolesanywhere, V2WithChain) {
    check("v2", true);
}

TEST_F(sigv4_rolesanywhere, MutatedInputsDoNotMatch) {
    const Vector expected = load("v1");
    HttpRequestToSign changed = request(false);
    changed.body += " ";
    changed.headers[1].second = *sha256_hex(changed.body);
    auto prepared = prepare_signature(changed, kX509RsaAlgorithm, scope(), selection(false));
    ASSERT_TRUE(prepared.ok());
    EXPECT_NE(prepared->canonical_request.text, expected.canonical_request);
    EXPECT_NE(prepared->string_to_sign, expected.string_to_sign);

    // Leaving x-amz-content-sha256 out of the signed list changes it too.
    auto fewer = prepare_signature(
        request(false), kX509RsaAlgorithm, scope(),
        SignedHeaderSelection::exactly({"content-type", "host", "x-amz-date", "x-amz-x509"}));
    ASSERT_TRUE(fewer.ok());
    EXPECT_EQ(fewer->canonical_request.signed_headers, "content-type;host;x-amz-date;x-amz-x509");
    EXPECT_NE(fewer->canonical_request.text, expected.canonical_request);
}

} // namespace
} // namespace pullcred::aws
