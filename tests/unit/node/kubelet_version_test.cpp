#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "node/kubelet_version.hpp"

using namespace pullcred::node;
using testing::HasSubstr;

TEST(KubeletVersion, ParsesWhatKubeletsPrint) {
    auto v = parse_kubelet_version("Kubernetes v1.27.3");
    ASSERT_TRUE(v);
    EXPECT_EQ(v->major, 1);
    EXPECT_EQ(v->minor, 27);
    EXPECT_EQ(v->patch, 3);
    EXPECT_EQ(parse_kubelet_version("Kubernetes v1.29.0-eks-5e0fdde")->minor, 29);
    EXPECT_EQ(parse_kubelet_version("1.30")->minor, 30);
    EXPECT_EQ(parse_kubelet_version("v1.31.2+k3s1")->patch, 2);
    EXPECT_FALSE(parse_kubelet_version("Kubernetes vX"));
    EXPECT_FALSE(parse_kubelet_version(""));
    EXPECT_FALSE(parse_kubelet_version("version 2.0")); // not Kubernetes 1.x
}

TEST(KubeletVersion, ChoosesTheApiTheKubeletSpeaks) {
    auto api = [](int minor) { return provider_api_for(KubeletVersion{1, minor, 0}, ""); };
    EXPECT_EQ(api(27)->provider_api_version, "credentialprovider.kubelet.k8s.io/v1");
    EXPECT_EQ(api(26)->config_api_version, "kubelet.config.k8s.io/v1");
    EXPECT_EQ(api(25)->provider_api_version, "credentialprovider.kubelet.k8s.io/v1beta1");
    EXPECT_EQ(api(24)->config_api_version, "kubelet.config.k8s.io/v1beta1");
    EXPECT_EQ(api(23)->provider_api_version, "credentialprovider.kubelet.k8s.io/v1alpha1");
    EXPECT_THAT(api(23)->warning, HasSubstr("feature gate"));
    EXPECT_FALSE(api(19));
    auto unknown = provider_api_for(std::nullopt, "kubelet printed \"???\"");
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->provider_api_version, "credentialprovider.kubelet.k8s.io/v1");
    EXPECT_THAT(unknown->warning, HasSubstr("???"));
}
