// SigV4-X509 conformance against the public Roles Anywhere vectors
// (tests/vectors/rolesanywhere): RSA signatures byte for byte, ECDSA signatures
// verified by the openssl command line, not by pullcred's code.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include "create_session.hpp"
#include "x509_material.hpp"

namespace fs = std::filesystem;
using testing::HasSubstr;
using namespace pullcred_ra;

namespace {

const fs::path kVectors = fs::path(PULLCRED_SOURCE_DIR "/tests/vectors/rolesanywhere");

std::string slurp(const fs::path &path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// Second line of v*.out: the hex signature.
std::string expected_signature(const std::string &name) {
    std::istringstream lines(slurp(kVectors / (name + ".out")));
    std::string line;
    std::string signature;
    while (std::getline(lines, line)) {
        if (line.rfind("canonical-request-sha256:", 0) == 0 || line.empty()) continue;
        signature = line;
    }
    return signature;
}

// Runs a shell command, returns its exit status and output.
std::pair<int, std::string> shell(const std::string &command) {
    std::string output;
    FILE *pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) return {-1, "popen failed"};
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
    const int status = ::pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::string from_hex(const std::string &hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return out;
}

class Vectors : public testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(fs::exists(kVectors / "README.md")) << "no vectors at " << kVectors; }
    static SigningMaterial material(const std::string &cert_file, const std::string &key_file) {
        SigningMaterial out;
        auto cert = first_certificate(slurp(kVectors / cert_file), cert_file);
        EXPECT_TRUE(cert.ok()) << cert.error().message;
        auto key = private_key(slurp(kVectors / key_file), key_file, std::nullopt);
        EXPECT_TRUE(key.ok()) << key.error().message;
        if (cert.ok()) out.certificate = std::move(*cert);
        if (key.ok()) out.key = std::move(*key);
        auto kind = key_kind(out.key.get(), key_file);
        EXPECT_TRUE(kind.ok());
        if (kind.ok()) out.kind = *kind;
        return out;
    }
};

// The header values of a canonical request ("name:value" lines).
std::string canonical_header(const std::string &canonical, const std::string &name) {
    std::istringstream lines(canonical);
    std::string line;
    while (std::getline(lines, line))
        if (line.rfind(name + ":", 0) == 0) return line.substr(name.size() + 1);
    return {};
}

} // namespace

TEST_F(Vectors, RsaSignaturesOfTheStringsToSignAreByteForByte) {
    auto signer = material("cert.pem", "key.pem");
    ASSERT_TRUE(signer.key);
    EXPECT_EQ(signer.kind, KeyKind::rsa);
    for (const std::string name : {"v1", "v2"}) {
        const auto to_sign = slurp(kVectors / (name + ".string_to_sign.txt"));
        auto signature = sign_hex(signer.key.get(), to_sign);
        ASSERT_TRUE(signature.ok()) << signature.error().message;
        EXPECT_EQ(*signature, expected_signature(name)) << name;
    }
}

TEST_F(Vectors, WholeRequestSignsToTheVectorAuthorization) {
    auto signer = material("cert.pem", "key.pem");
    ASSERT_TRUE(signer.key);
    const std::string body =
        R"({"durationSeconds":3600.0,"profileArn":"arn:profile-arn","roleArn":"arn:role-arn","roleSessionName":"session","trustAnchorArn":"arn:trust-anchor-arn"})";
    // 2018-01-02T03:04:05Z
    const auto when = parse_rfc3339("2018-01-02T03:04:05Z");
    ASSERT_TRUE(when);
    for (const std::string name : {"v1", "v2"}) {
        const auto canonical = slurp(kVectors / (name + ".canonical_request.txt"));
        pullcred::aws::HttpRequestToSign request;
        request.method = "POST";
        request.url = "https://rolesanywhere.ap-southeast-2.amazonaws.com/sessions";
        request.body = body;
        std::vector<std::string> signed_headers = {"content-type", "host", "x-amz-content-sha256",
                                                   "x-amz-date", "x-amz-x509"};
        request.headers = {{"Content-Type", canonical_header(canonical, "content-type")},
                           {"X-Amz-Content-Sha256", canonical_header(canonical, "x-amz-content-sha256")},
                           {"X-Amz-X509", der_base64(signer.certificate.get())}};
        // Our base64 DER of the leaf is the one the vector signed.
        EXPECT_EQ(request.headers.back().second, canonical_header(canonical, "x-amz-x509"));
        if (name == "v2") {
            auto chain = all_certificates(slurp(kVectors / "chain.pem"), "chain.pem");
            ASSERT_TRUE(chain.ok());
            request.headers.emplace_back("X-Amz-X509-Chain", der_base64(chain->front().get()));
            EXPECT_EQ(request.headers.back().second, canonical_header(canonical, "x-amz-x509-chain"));
            signed_headers.emplace_back("x-amz-x509-chain");
        }
        auto headers = sign_request(request, signer, "ap-southeast-2", *when, signed_headers);
        ASSERT_TRUE(headers.ok()) << headers.error().message;
        ASSERT_EQ(headers->size(), 2U);
        EXPECT_EQ((*headers)[0], (std::pair<std::string, std::string>{"X-Amz-Date", "20180102T030405Z"}));
        const std::string list = name == "v1"
                                     ? "content-type;host;x-amz-content-sha256;x-amz-date;x-amz-x509"
                                     : "content-type;host;x-amz-content-sha256;x-amz-date;x-amz-x509;"
                                       "x-amz-x509-chain";
        EXPECT_EQ((*headers)[1].second,
                  "AWS4-X509-RSA-SHA256 Credential=131827979019394590882466519576505238184/20180102/"
                  "ap-southeast-2/rolesanywhere/aws4_request, SignedHeaders=" +
                      list + ", Signature=" + expected_signature(name))
            << name;
    }
}

TEST_F(Vectors, SerialsAreDecimal) {
    auto rsa = first_certificate(slurp(kVectors / "cert.pem"), "cert.pem");
    ASSERT_TRUE(rsa.ok());
    EXPECT_EQ(serial_decimal(rsa->get()), "131827979019394590882466519576505238184");
    EXPECT_EQ(serial_hex(rsa->get()), "632D252DCD9A7F8EFFBB9DA2D3A442A8");
    auto ec = first_certificate(slurp(kVectors / "ec-cert.pem"), "ec-cert.pem");
    ASSERT_TRUE(ec.ok());
    EXPECT_EQ(serial_decimal(ec->get()), "5215639076998761095638506031589467414");
}

TEST_F(Vectors, EcdsaSignatureVerifiesWithTheOpensslCommandLine) {
    auto signer = material("ec-cert.pem", "ec-key.pem");
    ASSERT_TRUE(signer.key);
    EXPECT_EQ(signer.kind, KeyKind::ec);
    EXPECT_EQ(algorithm_of(signer.kind), "AWS4-X509-ECDSA-SHA256");
    ASSERT_EQ(shell("command -v openssl").first, 0) << "openssl command line not found";

    const auto dir = fs::temp_directory_path() / ("ra-conformance-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const auto to_sign = slurp(kVectors / "v1.string_to_sign.txt");
    auto signature = sign_hex(signer.key.get(), to_sign);
    ASSERT_TRUE(signature.ok()) << signature.error().message;
    std::ofstream(dir / "data", std::ios::binary) << to_sign;
    std::ofstream(dir / "sig", std::ios::binary) << from_hex(*signature);
    std::ofstream(dir / "tampered", std::ios::binary) << to_sign << "x";
    const auto pub = dir / "pub.pem";
    ASSERT_EQ(shell("openssl x509 -pubkey -noout -in '" + (kVectors / "ec-cert.pem").string() + "' > '" +
                    pub.string() + "'")
                  .first,
              0);
    const auto verify = shell("openssl dgst -sha256 -verify '" + pub.string() + "' -signature '" +
                              (dir / "sig").string() + "' '" + (dir / "data").string() + "'");
    EXPECT_EQ(verify.first, 0) << verify.second;
    EXPECT_THAT(verify.second, HasSubstr("Verified OK"));
    const auto tampered = shell("openssl dgst -sha256 -verify '" + pub.string() + "' -signature '" +
                                (dir / "sig").string() + "' '" + (dir / "tampered").string() + "'");
    EXPECT_NE(tampered.first, 0) << tampered.second;
    // ECDSA is randomised: two signatures differ, both verify.
    auto again = sign_hex(signer.key.get(), to_sign);
    ASSERT_TRUE(again.ok());
    EXPECT_NE(*again, *signature);
    fs::remove_all(dir);
}

TEST_F(Vectors, KubeletCombinedFileIsBothCertificateAndKey) {
    const auto combined = slurp(kVectors / "ec-combined-kubelet-style.pem");
    auto cert = first_certificate(combined, "combined");
    auto key = private_key(combined, "combined", std::nullopt);
    ASSERT_TRUE(cert.ok()) << cert.error().message;
    ASSERT_TRUE(key.ok()) << key.error().message;
    EXPECT_TRUE(key_matches_certificate(cert->get(), key->get()));
    auto rsa_key = private_key(slurp(kVectors / "key.pem"), "key.pem", std::nullopt);
    ASSERT_TRUE(rsa_key.ok());
    EXPECT_FALSE(key_matches_certificate(cert->get(), rsa_key->get()));
}

TEST(Rfc3339, ParsesAndFormats) {
    EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
    EXPECT_EQ(parse_rfc3339("2026-11-28T13:00:00Z"), 1795870800);
    EXPECT_EQ(parse_rfc3339("2026-11-28T13:00:00.123Z"), 1795870800);
    EXPECT_EQ(parse_rfc3339("2026-11-28T14:00:00+01:00"), 1795870800);
    EXPECT_EQ(parse_rfc3339("2026-11-28T12:30:00-00:30"), 1795870800);
    for (const char *bad : {"", "2026-11-28", "2026-11-28T13:00:00", "2026-13-28T13:00:00Z",
                            "2026-02-30T13:00:00Z", "2026-11-28T13:00:00Zjunk", "1795870800"})
        EXPECT_FALSE(parse_rfc3339(bad)) << bad;
    EXPECT_EQ(format_rfc3339(1795870800), "2026-11-28T13:00:00Z");
}

TEST(Pem, BlocksAndErrors) {
    auto none = first_certificate("hello", "f.pem");
    ASSERT_FALSE(none.ok());
    EXPECT_THAT(none.error().message, HasSubstr("f.pem: no CERTIFICATE block (found no PEM block at all)"));
    auto broken = pem_blocks("-----BEGIN CERTIFICATE-----\nAAAA\n", "f.pem");
    ASSERT_FALSE(broken.ok());
    EXPECT_THAT(broken.error().message, HasSubstr("PEM block CERTIFICATE has no END line"));
    auto unknown = pem_blocks("-----BEGIN RSECRETLOOKINGSA PRIVATE KEY-----\nAAAA\n", "f.pem");
    ASSERT_FALSE(unknown.ok());
    EXPECT_THAT(unknown.error().message, HasSubstr("PEM block of an unknown type has no END line"));
    EXPECT_THAT(unknown.error().message, Not(HasSubstr("SECRETLOOKING")));
    auto legacy =
        private_key("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n"
                    "AAAA\n-----END RSA PRIVATE KEY-----\n",
                    "k.pem", std::nullopt);
    ASSERT_FALSE(legacy.ok());
    EXPECT_THAT(legacy.error().message, HasSubstr("legacy encrypted PEM"));
}

TEST(Arn, Parse) {
    auto arn = parse_arn("arn:aws:rolesanywhere:us-west-2:111122223333:trust-anchor/abc");
    ASSERT_TRUE(arn);
    EXPECT_EQ(arn->region, "us-west-2");
    EXPECT_EQ(arn->account, "111122223333");
    EXPECT_EQ(arn->resource, "trust-anchor/abc");
    EXPECT_FALSE(parse_arn("arn:aws:iam"));
    EXPECT_FALSE(parse_arn("nope:aws:iam::1:role/x"));
}
