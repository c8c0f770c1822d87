#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "kubelet/protocol.hpp"

using namespace pullcred::kubelet;
using testing::HasSubstr;

namespace {
std::string request_json(std::string_view version, std::string_view extra = "") {
    return R"({"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/)" +
           std::string(version) + R"(","image":"123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app")" +
           std::string(extra) + "}";
}
} // namespace

class EveryApiVersion : public testing::TestWithParam<std::pair<const char *, ApiVersion>> {};

TEST_P(EveryApiVersion, RequestParsesAndResponseAnswersInTheSameVersion) {
    auto [name, version] = GetParam();
    auto request = parse_request(request_json(name));
    ASSERT_TRUE(request.ok()) << request.error().message;
    EXPECT_EQ(request->api_version, version);
    EXPECT_EQ(request->image, "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app");

    Response response;
    response.api_version = request->api_version;
    const auto encoded = nlohmann::json::parse(encode_response(response));
    EXPECT_EQ(encoded["apiVersion"], std::string("credentialprovider.kubelet.k8s.io/") + name);
}

INSTANTIATE_TEST_SUITE_P(Kubelet, EveryApiVersion,
                         testing::Values(std::pair{"v1", ApiVersion::v1},
                                         std::pair{"v1beta1", ApiVersion::v1beta1},
                                         std::pair{"v1alpha1", ApiVersion::v1alpha1}));

TEST(KubeletRequest, ReadsServiceAccountTokenAndAnnotations) {
    auto request = parse_request(request_json(
        "v1",
        R"(,"serviceAccountToken":"eyJhbGciOi.x.y","serviceAccountAnnotations":{"eks.amazonaws.com/ecr-role-arn":"arn:aws:iam::1:role/r"})"));
    ASSERT_TRUE(request.ok()) << request.error().message;
    EXPECT_EQ(request->service_account_token, "eyJhbGciOi.x.y");
    EXPECT_EQ(request->service_account_annotations.at("eks.amazonaws.com/ecr-role-arn"),
              "arn:aws:iam::1:role/r");
}

TEST(KubeletRequest, RefusesBadInputWithOneClearLine) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"", "empty input"},
        {"   \n", "empty input"},
        {"{", "invalid JSON"},
        {"[]", "expected a JSON object"},
        {R"({"kind":"Other","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"a/b"})",
         "kind must be"},
        {R"({"kind":"CredentialProviderRequest","image":"a/b"})", "apiVersion is missing"},
        {R"({"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v2","image":"a"})",
         "unsupported apiVersion"},
        {R"({"kind":"CredentialProviderRequest","apiVersion":"v1","image":"a"})", "unsupported apiVersion"},
        {R"({"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1"})",
         "image is missing"},
        {R"({"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":""})",
         "non-empty string"},
        {R"({"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":7})",
         "non-empty string"},
        {request_json("v1", R"(,"image":"dup/x")"), "duplicate key"},
        {request_json("v1", R"(,"serviceAccountAnnotations":{"a":1})"), "must be a string"},
        {request_json("v1") + "garbage", "invalid JSON"},
    };
    for (const auto &[input, expected] : cases) {
        auto request = parse_request(input);
        ASSERT_FALSE(request.ok()) << input;
        EXPECT_THAT(request.error().message, HasSubstr(expected)) << input;
        EXPECT_EQ(request.error().message.find('\n'), std::string::npos) << input;
        EXPECT_EQ(request.error().message.rfind("kubelet request: ", 0), 0U) << input;
    }
}

TEST(KubeletRequest, RefusesOversizedInput) {
    const std::string huge = request_json("v1", ",\"pad\":\"" + std::string(kMaxRequestBytes, 'x') + "\"");
    auto request = parse_request(huge);
    ASSERT_FALSE(request.ok());
    EXPECT_THAT(request.error().message, HasSubstr("larger than"));
}

TEST(KubeletResponse, HasExactlyTheFieldsKubeletDecodesStrictly) {
    Response response;
    response.api_version = ApiVersion::v1;
    response.cache_key_type = CacheKeyType::registry;
    response.cache_duration = std::chrono::seconds(6 * 3600 - 1);
    response.auth["123456789012.dkr.ecr.us-east-1.amazonaws.com"] = {"AWS", "pa\"ss"};
    const auto text = encode_response(response);
    EXPECT_EQ(
        text,
        R"({"kind":"CredentialProviderResponse","apiVersion":"credentialprovider.kubelet.k8s.io/v1",)"
        R"("cacheKeyType":"Registry","cacheDuration":"5h59m59s","auth":{"123456789012.dkr.ecr.us-east-1.)"
        R"(amazonaws.com":{"username":"AWS","password":"pa\"ss"}}})"
        "\n");
}

TEST(KubeletResponse, SubSecondCacheDurationStaysExact) {
    Response response;
    for (const auto &[duration, text] : std::vector<std::pair<std::chrono::nanoseconds, std::string>>{
             {std::chrono::milliseconds(300), "300ms"},
             {std::chrono::milliseconds(1500), "1.5s"},
             {std::chrono::seconds(0), "0s"}}) {
        response.cache_duration = duration;
        EXPECT_EQ(nlohmann::json::parse(encode_response(response))["cacheDuration"], text);
    }
}

TEST(KubeletResponse, EmptyAuthAndNoDurationWhenNothingMatches) {
    Response response;
    response.api_version = ApiVersion::v1alpha1;
    const auto doc = nlohmann::json::parse(encode_response(response));
    EXPECT_TRUE(doc["auth"].is_object());
    EXPECT_TRUE(doc["auth"].empty());
    EXPECT_FALSE(doc.contains("cacheDuration"));
    EXPECT_EQ(doc["cacheKeyType"], "Registry");
}

TEST(KubeletResponse, EveryCacheKeyTypeIsOneKubeletAccepts) {
    for (auto type : {CacheKeyType::image, CacheKeyType::registry, CacheKeyType::global}) {
        Response response;
        response.cache_key_type = type;
        const auto value =
            nlohmann::json::parse(encode_response(response))["cacheKeyType"].get<std::string>();
        EXPECT_THAT((std::vector<std::string>{"Image", "Registry", "Global"}), testing::Contains(value));
    }
}
