// The SDK's one base64, checked against RFC 4648's vectors and Python's
// base64 module (an independent implementation).
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <pullcred/base64.hpp>
#include <string>

using pullcred::sdk::base64_decode;
using pullcred::sdk::base64_encode;
using pullcred::sdk::Base64Alphabet;

TEST(SdkBase64, Rfc4648Vectors) {
    const std::array<std::pair<const char *, const char *>, 7> vectors{{{"", ""},
                                                                        {"f", "Zg=="},
                                                                        {"fo", "Zm8="},
                                                                        {"foo", "Zm9v"},
                                                                        {"foob", "Zm9vYg=="},
                                                                        {"fooba", "Zm9vYmE="},
                                                                        {"foobar", "Zm9vYmFy"}}};
    for (const auto &[plain, encoded] : vectors) {
        EXPECT_EQ(base64_encode(plain), encoded);
        EXPECT_EQ(base64_decode(encoded), plain);
    }
}

TEST(SdkBase64, PaddingIsOptionalButOnlyWhereItCompletesAGroup) {
    EXPECT_EQ(base64_decode("Zg"), "f");
    EXPECT_EQ(base64_decode("Zm8"), "fo");
    EXPECT_FALSE(base64_decode("Zg="));
    EXPECT_FALSE(base64_decode("Zm9v="));
    EXPECT_FALSE(base64_decode("Zg==="));
    EXPECT_FALSE(base64_decode("Z"));
    EXPECT_FALSE(base64_decode("YW=I"));
}

TEST(SdkBase64, RefusesOtherCharactersAndNonCanonicalText) {
    EXPECT_FALSE(base64_decode("Zm9v\nYmFy"));
    EXPECT_FALSE(base64_decode("Zm9v YmFy"));
    EXPECT_FALSE(base64_decode("Y*"));
    EXPECT_FALSE(base64_decode("Zh==")) << "unused bits set";
    EXPECT_FALSE(base64_decode("-_8")) << "URL alphabet in standard text";
    EXPECT_FALSE(base64_decode("+/8", Base64Alphabet::url)) << "standard alphabet in URL text";
}

TEST(SdkBase64, MatchesPythonOnEveryByteInBothAlphabets) {
    std::string data;
    for (int i = 0; i < 256; ++i) data.push_back(static_cast<char>(255 - i));
    for (const auto alphabet : {Base64Alphabet::standard, Base64Alphabet::url}) {
        const auto function = alphabet == Base64Alphabet::url ? "urlsafe_b64encode" : "b64encode";
        const std::string command = std::string(PULLCRED_PYTHON) +
                                    " -c 'import base64,sys; sys.stdout.write(base64." + function +
                                    "(bytes(range(255,-1,-1))).decode())'";
        FILE *pipe = ::popen(command.c_str(), "r");
        ASSERT_NE(pipe, nullptr);
        std::string expected;
        std::array<char, 512> buffer{};
        for (std::size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0;)
            expected.append(buffer.data(), n);
        ASSERT_EQ(::pclose(pipe), 0);
        ASSERT_FALSE(expected.empty());
        EXPECT_EQ(base64_encode(data, alphabet), expected);
        EXPECT_EQ(base64_decode(expected, alphabet), data);
    }
}
