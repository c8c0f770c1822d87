#include <gtest/gtest.h>

#include <random>
#include <string>

#include "aws/profile/ini.hpp"

namespace pullcred::aws {
namespace {

IniFile parse_config(std::string_view text) {
    auto parsed = parse_ini(text, IniFileKind::config, "config");
    EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
    return parsed.ok() ? parsed.value() : IniFile{};
}

std::string parse_error(std::string_view text, IniFileKind kind = IniFileKind::config) {
    auto parsed = parse_ini(text, kind, "/etc/aws/config");
    EXPECT_FALSE(parsed.ok());
    return parsed.ok() ? std::string{} : parsed.error().message;
}

TEST(Ini, DefaultAndNamedProfilesInConfigFile) {
    auto file = parse_config("[default]\nregion = us-east-1\n[profile dev]\nregion = eu-west-1\n");
    ASSERT_EQ(file.profiles.size(), 2u);
    EXPECT_EQ(file.profiles["default"].values["region"], "us-east-1");
    EXPECT_EQ(file.profiles["dev"].values["region"], "eu-west-1");
}

TEST(Ini, CredentialsFileSectionsAreProfileNames) {
    auto parsed = parse_ini("[default]\naws_access_key_id = A\n[dev]\naws_access_key_id = B\n",
                            IniFileKind::credentials, "credentials");
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->profiles.at("default").values.at("aws_access_key_id"), "A");
    EXPECT_EQ(parsed->profiles.at("dev").values.at("aws_access_key_id"), "B");
}

TEST(Ini, ConfigFileSectionWithoutProfilePrefixIsNotAProfile) {
    auto file = parse_config("[dev]\nregion = x\n[profile]\nregion = y\n[profilex]\nregion = z\n");
    EXPECT_TRUE(file.profiles.empty());
    EXPECT_EQ(file.other.size(), 3u);
}

TEST(Ini, ProfileHeaderWithExtraBlanks) {
    auto file = parse_config("[ profile   dev ]\nregion = x\n[profile\tother]\nregion = y\n");
    EXPECT_EQ(file.profiles["dev"].values["region"], "x");
    EXPECT_EQ(file.profiles["other"].values["region"], "y");
}

TEST(Ini, ProfileDefaultWinsOverBareDefault) {
    auto file = parse_config("[profile default]\nregion = a\n[default]\nregion = b\noutput = json\n");
    EXPECT_EQ(file.profiles["default"].values["region"], "a");
    EXPECT_EQ(file.profiles["default"].values.count("output"), 0u);
}

TEST(Ini, SsoSessionAndServicesSectionsKeptApart) {
    auto file = parse_config("[sso-session corp]\nsso_region = us-east-1\n"
                             "[services local]\necr =\n  endpoint_url = http://localhost:5000\n"
                             "[profile a]\nservices = local\n");
    EXPECT_EQ(file.sso_sessions["corp"].values["sso_region"], "us-east-1");
    EXPECT_EQ(file.services["local"].subsections["ecr"]["endpoint_url"], "http://localhost:5000");
    EXPECT_EQ(file.profiles.size(), 1u);
}

TEST(Ini, FullLineComments) {
    auto file = parse_config("# top\n; top\n[default]\n# region = no\n  ; indented comment\nregion = yes\n");
    EXPECT_EQ(file.profiles["default"].values.size(), 1u);
    EXPECT_EQ(file.profiles["default"].values["region"], "yes");
}

TEST(Ini, InlineCommentsNeedABlankBefore) {
    auto file = parse_config("[default]\n"
                             "a = value # comment\n"
                             "b = value\t; comment\n"
                             "c = val#ue\n"
                             "d = val;ue\n"
                             "e = # only a comment\n"
                             "f = https://host/#frag\n");
    auto &v = file.profiles["default"].values;
    EXPECT_EQ(v["a"], "value");
    EXPECT_EQ(v["b"], "value");
    EXPECT_EQ(v["c"], "val#ue");
    EXPECT_EQ(v["d"], "val;ue");
    EXPECT_EQ(v["e"], "");
    EXPECT_EQ(v["f"], "https://host/#frag");
}

TEST(Ini, CommentAfterSectionHeader) {
    auto file = parse_config("[profile dev] # the dev profile\nregion = x\n[default];c\nregion = y\n");
    EXPECT_EQ(file.profiles["dev"].values["region"], "x");
    EXPECT_EQ(file.profiles["default"].values["region"], "y");
}

TEST(Ini, KeysAreCaseInsensitiveValuesAreNot) {
    auto file = parse_config("[default]\nREGION = US-East-1\nAws_Access_Key_Id = AKIDMixedCase\n");
    auto &v = file.profiles["default"].values;
    EXPECT_EQ(v["region"], "US-East-1");
    EXPECT_EQ(v["aws_access_key_id"], "AKIDMixedCase");
}

TEST(Ini, SectionNamesAreCaseSensitive) {
    auto file = parse_config("[profile Dev]\nregion = a\n[profile dev]\nregion = b\n");
    EXPECT_EQ(file.profiles["Dev"].values["region"], "a");
    EXPECT_EQ(file.profiles["dev"].values["region"], "b");
}

TEST(Ini, WhitespaceTrimmed) {
    auto file = parse_config("  [default]  \n \t region\t=\t us-west-2 \t \r\nkey=value\n");
    auto &v = file.profiles["default"].values;
    EXPECT_EQ(v["region"], "us-west-2");
    EXPECT_EQ(v["key"], "value");
}

TEST(Ini, ValueMayContainEquals) {
    auto file = parse_config("[default]\ncredential_process = /bin/helper --arg=a=b\n");
    EXPECT_EQ(file.profiles["default"].values["credential_process"], "/bin/helper --arg=a=b");
}

TEST(Ini, CrLfLineEndingsAndByteOrderMark) {
    auto file = parse_config("\xEF\xBB\xBF[default]\r\nregion = us-east-1\r\n");
    EXPECT_EQ(file.profiles["default"].values["region"], "us-east-1");
}

TEST(Ini, SubSection) {
    auto file = parse_config("[default]\n"
                             "s3 =\n"
                             "  max_concurrent_requests = 10\n"
                             "  Max_Queue_Size = 1000 # inline\n"
                             "\n"
                             "  # comment inside\n"
                             "  addressing_style = path\n"
                             "region = us-east-1\n");
    auto &section = file.profiles["default"];
    ASSERT_EQ(section.subsections.count("s3"), 1u);
    EXPECT_EQ(section.values.count("s3"), 0u);
    auto &s3 = section.subsections["s3"];
    EXPECT_EQ(s3["max_concurrent_requests"], "10");
    EXPECT_EQ(s3["max_queue_size"], "1000");
    EXPECT_EQ(s3["addressing_style"], "path");
    EXPECT_EQ(section.values["region"], "us-east-1");
}

TEST(Ini, SubSectionLineWithoutEqualsIsAnError) {
    auto message = parse_error("[default]\ns3 =\n  not a setting\n");
    EXPECT_NE(message.find("/etc/aws/config:3:"), std::string::npos) << message;
    EXPECT_NE(message.find("s3"), std::string::npos) << message;
}

TEST(Ini, ContinuationLines) {
    auto file = parse_config("[default]\n"
                             "description = first\n"
                             "    second\n"
                             "\tthird # comment\n"
                             "region = x\n");
    EXPECT_EQ(file.profiles["default"].values["description"], "first\nsecond\nthird");
    EXPECT_EQ(file.profiles["default"].values["region"], "x");
}

TEST(Ini, IndentedPropertiesAtTheSameDepthAreNotContinuations) {
    auto file = parse_config("[default]\n  region = a\n  output = json\n    more\n");
    auto &v = file.profiles["default"].values;
    EXPECT_EQ(v["region"], "a");
    EXPECT_EQ(v["output"], "json\nmore");
}

TEST(Ini, DuplicateSectionsMergeLaterWins) {
    auto file = parse_config("[profile a]\nregion = one\noutput = json\n"
                             "[profile b]\nregion = b\n"
                             "[profile a]\nregion = two\n"
                             "[profile  a]\nextra = x\n");
    auto &v = file.profiles["a"].values;
    EXPECT_EQ(v["region"], "two");
    EXPECT_EQ(v["output"], "json");
    EXPECT_EQ(v["extra"], "x");
    EXPECT_EQ(file.profiles["b"].values["region"], "b");
}

TEST(Ini, DuplicateKeysLaterWins) {
    auto file = parse_config("[default]\nregion = a\nREGION = b\n");
    EXPECT_EQ(file.profiles["default"].values["region"], "b");
}

TEST(Ini, SettingOutsideAnySectionIsAnErrorWithLineNumber) {
    auto message = parse_error("# comment\n\nregion = us-east-1\n[default]\n");
    EXPECT_NE(message.find("/etc/aws/config:3:"), std::string::npos) << message;
    EXPECT_NE(message.find("outside any [section]"), std::string::npos) << message;
}

TEST(Ini, LineWithoutEqualsIsAnErrorWithLineNumber) {
    auto message = parse_error("[default]\nregion = a\nthis is not ini\n");
    EXPECT_NE(message.find("/etc/aws/config:3:"), std::string::npos) << message;
}

TEST(Ini, EmptyKeyIsAnError) {
    auto message = parse_error("[default]\n= value\n");
    EXPECT_NE(message.find(":2:"), std::string::npos) << message;
}

TEST(Ini, MalformedHeadersAreErrors) {
    EXPECT_NE(parse_error("[default\nregion = a\n").find(":1:"), std::string::npos);
    EXPECT_NE(parse_error("[]\n").find("empty section name"), std::string::npos);
    EXPECT_NE(parse_error("[default] junk\n").find(":1:"), std::string::npos);
    EXPECT_NE(parse_error("[a[b]\n").find(":1:"), std::string::npos);
}

TEST(Ini, ErrorsNeverQuoteTheLine) {
    // A colon-separated secret is not a valid line here; its value must not leak.
    auto message = parse_error("[default]\naws_secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
                               IniFileKind::credentials);
    EXPECT_EQ(message.find("wJalrXUtnFEMI"), std::string::npos) << message;
    EXPECT_NE(message.find(":2:"), std::string::npos) << message;
}

TEST(Ini, EmptyInputAndOnlyComments) {
    EXPECT_TRUE(parse_config("").profiles.empty());
    EXPECT_TRUE(parse_config("\n\n# nothing\n; here\n   \n").profiles.empty());
}

TEST(Ini, EmptySectionIsKept) {
    auto file = parse_config("[profile empty]\n");
    EXPECT_EQ(file.profiles.count("empty"), 1u);
}

TEST(Ini, OversizedInputIsRefused) {
    std::string big = "[default]\n";
    big += "k = " + std::string(kMaxSharedConfigBytes, 'a') + "\n";
    auto message = parse_error(big);
    EXPECT_NE(message.find("1 MiB"), std::string::npos) << message;
}

TEST(Ini, NulByteIsRefusedWithLineNumber) {
    std::string text = "[default]\nregion = us-east-1\nkey = a";
    text.push_back('\0');
    text += "b\n";
    auto message = parse_error(text);
    EXPECT_NE(message.find(":3:"), std::string::npos) << message;
    EXPECT_NE(message.find("NUL"), std::string::npos) << message;
}

TEST(Ini, HugeSingleLineUnderTheCap) {
    std::string text = "[default]\nkey = " + std::string(kMaxSharedConfigBytes - 100, 'x') + "\n";
    auto file = parse_config(text);
    EXPECT_EQ(file.profiles["default"].values["key"].size(), kMaxSharedConfigBytes - 100);
}

TEST(Ini, ManyTinyLines) {
    std::string text = "[default]\n";
    while (text.size() < kMaxSharedConfigBytes - 8) text += "a=b\n";
    auto file = parse_config(text);
    EXPECT_EQ(file.profiles["default"].values["a"], "b");
}

TEST(Ini, DeepAndWeirdIndentation) {
    std::string text = "[default]\nk =\n";
    for (int i = 0; i < 1000; ++i) text += std::string(static_cast<std::size_t>(i % 50 + 1), ' ') + "x = y\n";
    auto file = parse_config(text);
    EXPECT_EQ(file.profiles["default"].subsections["k"]["x"], "y");
}

// Random bytes and random mutations of a valid file: never a crash, always
// either a parse or an Error.
TEST(Ini, HostileInputsNeverCrash) {
    const std::string seed_text =
        "[default]\nregion = us-east-1 # c\ns3 =\n  a = b\n[profile x]\nk = v\n  cont\n"
        "[sso-session s]\nsso_region = us-east-1\n";
    std::mt19937 rng(12345);
    std::uniform_int_distribution<int> byte(0, 255);
    for (int round = 0; round < 3000; ++round) {
        std::string text;
        if (round % 3 == 0) {
            const std::size_t n = static_cast<std::size_t>(rng() % 400);
            for (std::size_t i = 0; i < n; ++i) text.push_back(static_cast<char>(byte(rng)));
        } else {
            text = seed_text;
            const int edits = 1 + static_cast<int>(rng() % 8);
            for (int e = 0; e < edits; ++e) {
                const std::size_t pos = rng() % (text.size() + 1);
                const char pick[] = {'[', ']', '=', '#', ';', ' ', '\t', '\n', '\r', '\0', 'a', '\xff'};
                const char c = pick[rng() % sizeof pick];
                switch (rng() % 3) {
                case 0:
                    text.insert(pos, 1, c);
                    break;
                case 1:
                    if (pos < text.size()) text.erase(pos, 1);
                    break;
                default:
                    if (pos < text.size()) text[pos] = c;
                }
            }
        }
        for (auto kind : {IniFileKind::config, IniFileKind::credentials}) {
            auto parsed = parse_ini(text, kind, "fuzz");
            if (!parsed.ok()) {
                EXPECT_EQ(parsed.error().message.rfind("fuzz", 0), 0u) << parsed.error().message;
            }
        }
    }
}

} // namespace
} // namespace pullcred::aws
