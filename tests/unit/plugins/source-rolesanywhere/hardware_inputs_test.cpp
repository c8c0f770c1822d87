// PKCS#11 URIs (RFC 7512), TPM handles and TSS2 key files: what parses, and
// that every refusal is one line naming what is wrong without quoting a PIN.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "pkcs11_uri.hpp"
#include "tpm_key.hpp"

using namespace pullcred_ra;
using testing::AllOf;
using testing::HasSubstr;
using testing::Not;

TEST(Pkcs11Uri, ParsesPathAndQueryAttributesPercentDecoded) {
    auto uri =
        parse_pkcs11_uri("pkcs11:model=SoftHSM%20v2;token=node-hsm;id=%01%a2;object=RA%20key;slot-id=3;"
                         "type=private?module-path=/usr/lib/x.so&pin-value=12%2634",
                         "privateKey");
    ASSERT_TRUE(uri) << uri.error().message;
    EXPECT_EQ(*uri->attribute("model"), "SoftHSM v2");
    EXPECT_EQ(*uri->attribute("token"), "node-hsm");
    EXPECT_EQ(*uri->attribute("id"), std::string("\x01\xa2", 2));
    EXPECT_EQ(*uri->attribute("object"), "RA key");
    EXPECT_EQ(uri->slot_id, 3U);
    EXPECT_EQ(*uri->pin(), "12&34");
    EXPECT_EQ(uri->query.at("module-path"), "/usr/lib/x.so");
    const auto shown = uri->shown();
    EXPECT_THAT(shown, AllOf(HasSubstr("token=node-hsm"), HasSubstr("object=RA%20key"),
                             HasSubstr("id=%01%A2"), Not(HasSubstr("pin-value")), Not(HasSubstr("12"))));
    EXPECT_EQ(shown_key_location("pkcs11:object=a?pin-value=98765"), "pkcs11:object=a");
    EXPECT_EQ(shown_key_location("pkcs11:bogus=1?pin-value=98765"), "pkcs11:(an invalid URI)");
    EXPECT_EQ(shown_key_location("/etc/pki/node.pem"), "/etc/pki/node.pem");
    EXPECT_TRUE(parse_pkcs11_uri("pkcs11:", "certificate"));
    EXPECT_TRUE(parse_pkcs11_uri("pkcs11:x-vendor=1;;object=a?", "certificate"));
}

TEST(Pkcs11Uri, RefusalsNameTheAttributeNeverTheValue) {
    struct Case {
        std::string uri;
        std::string expected;
    };
    const Case cases[] = {
        {"pkcs11:object", "has no '='"},
        {"pkcs11:object=a?4711", "an attribute has no '='"},
        {"pkcs11:object=a;x-v=%4?pin-value=4711", "a vendor attribute (x-...) has a broken percent escape"},
        {"pkcs11:colour=blue", "unknown path attribute colour"},
        {"pkcs11:object=a?pin=4711", "unknown query attribute pin"},
        {"pkcs11:object=a?pin-value=47%1", "broken percent escape"},
        {"pkcs11:object=a%G1?pin-value=4711", "broken percent escape"},
        {"pkcs11:object=a b?pin-value=4711", "percent-encode it"},
        {"pkcs11:object=a&pin-value=4711", "go after '?'"},
        {"pkcs11:object=a;object=b?pin-value=4711", "appears twice"},
        {"pkcs11:type=key?pin-value=4711", "type must be cert"},
        {"pkcs11:slot-id=x1?pin-value=4711", "slot-id must be a decimal number"},
        {"pkcs11:object=a?pin-source=file:/p", "pin-source is not supported"},
        {"pkcs11:" + std::string(5000, 'a'), "longer than 4096 bytes"},
        {"pkcs11:\x01\xff=4711", "(not a valid name)"},
        {"file:/x", "does not start with pkcs11:"},
        {"pkcs11:x-v\x80pin-value=4711", "unknown path attribute (not a valid name)"},
    };
    for (const auto &[uri, expected] : cases) {
        auto parsed = parse_pkcs11_uri(uri, "certificate");
        ASSERT_FALSE(parsed) << uri;
        const auto &message = parsed.error().message;
        EXPECT_THAT(message, AllOf(HasSubstr(expected), HasSubstr("certificate (a PKCS#11 URI)"),
                                   Not(HasSubstr("4711")), Not(HasSubstr("\n"))))
            << uri;
    }
}

TEST(TpmHandle, PersistentHandlesOnly) {
    EXPECT_EQ(*parse_tpm_handle("handle:0x81000001", "k"), 0x81000001U);
    EXPECT_EQ(*parse_tpm_handle("handle:81ABCDEF", "k"), 0x81ABCDEFU);
    for (const auto &[text, expected] : {std::pair{"handle:", "eight hex digits"},
                                         {"handle:0x", "eight hex digits"},
                                         {"handle:0x810000011", "eight hex digits"},
                                         {"handle:0x8100000g", "hex digits only"},
                                         {"handle:0x40000001", "not a persistent handle"},
                                         {"key.pem", "does not start with handle:"}}) {
        auto parsed = parse_tpm_handle(text, "privateKey");
        ASSERT_FALSE(parsed) << text;
        EXPECT_THAT(parsed.error().message, HasSubstr(expected)) << text;
    }
}

namespace {
std::string der(unsigned char tag, const std::string &content) {
    std::string out(1, static_cast<char>(tag));
    out.push_back(static_cast<char>(content.size()));
    return out + content;
}
const std::string kLoadable = der(0x06, "\x67\x81\x05\x0a\x01\x03");
std::string blob(std::size_t size) {
    return der(0x04, std::string{static_cast<char>(size >> 8U), static_cast<char>(size & 0xFFU)} +
                         std::string(size, 'x'));
}
std::string key(const std::string &fields) {
    return der(0x30, fields);
}
const std::string kParentOwner = der(0x02, std::string("\x40\x00\x00\x01", 4));
} // namespace

TEST(Tss2Key, ParsesLoadableKeysAsTheHelperDoes) {
    auto plain = parse_tss2_key(key(kLoadable + kParentOwner + blob(3) + blob(4)), "privateKey k");
    ASSERT_TRUE(plain) << plain.error().message;
    EXPECT_FALSE(plain->empty_auth);
    EXPECT_EQ(plain->parent, 0x40000001U);
    auto empty_auth =
        parse_tss2_key(key(kLoadable + der(0xA0, der(0x01, "\xff")) +
                           der(0x02, std::string("\x00\x81\x00\x00\x01", 5)) + blob(2) + blob(2)),
                       "privateKey k");
    ASSERT_TRUE(empty_auth) << empty_auth.error().message;
    EXPECT_TRUE(empty_auth->empty_auth);
    EXPECT_EQ(empty_auth->parent, 0x81000001U);
}

TEST(Tss2Key, RefusesWhatTheHelperRefuses) {
    struct Case {
        std::string der;
        std::string expected;
    };
    const Case cases[] = {
        {"", "is not a valid TPM 2.0 key file"},
        {key(kLoadable), "is not a valid TPM 2.0 key file"},
        {key(kLoadable + kParentOwner + blob(3) + blob(4)) + "x", "is not a valid TPM 2.0 key file"},
        {key(der(0x06, "\x67\x81\x05\x0a\x01\x04") + kParentOwner + blob(1) + blob(1)), "only loadable keys"},
        {key(kLoadable + der(0xA1, der(0x30, "")) + kParentOwner + blob(1) + blob(1)), "TPM policy"},
        {key(kLoadable + der(0xA2, der(0x04, "s")) + kParentOwner + blob(1) + blob(1)), "'secret' field"},
        {key(kLoadable + der(0x02, std::string("\x40\x00\x00\x09", 4)) + blob(1) + blob(1)),
         "its parent is neither"},
        {key(kLoadable + kParentOwner + der(0x04, std::string("\x00\x05x", 3)) + blob(1)),
         "public blob has the wrong length"},
        {key(kLoadable + kParentOwner + blob(1) + der(0x04, "\x01")), "private blob has the wrong length"},
        {key(kLoadable + der(0xA0, der(0x01, "")) + kParentOwner + blob(1) + blob(1)), "not a valid TPM 2.0"},
        {std::string("\x30\x84\xff\xff\xff\xff", 6), "is not a valid TPM 2.0 key file"},
    };
    for (const auto &[bytes, expected] : cases) {
        auto parsed = parse_tss2_key(bytes, "privateKey /k.pem");
        ASSERT_FALSE(parsed) << expected;
        EXPECT_THAT(parsed.error().message, AllOf(HasSubstr("privateKey /k.pem"), HasSubstr(expected)));
    }
}

TEST(TpmTcti, FoundAsTheHelperFindsTheTpm) {
    EXPECT_EQ(*tpm_tcti("swtpm:host=127.0.0.1,port=2321", "/dev/null"), "swtpm:host=127.0.0.1,port=2321");
    EXPECT_EQ(*tpm_tcti(nullptr, "/dev/null"), "device:/dev/null"); // a character device
    auto missing = tpm_tcti(nullptr, "/nonexistent/tpm");
    ASSERT_FALSE(missing);
    EXPECT_THAT(missing.error().message, HasSubstr("TPM_DEVICE /nonexistent/tpm does not exist"));
    auto regular = tpm_tcti("", "/etc/hostname");
    ASSERT_FALSE(regular);
    EXPECT_THAT(regular.error().message, HasSubstr("neither a character device nor a Unix socket"));
}
