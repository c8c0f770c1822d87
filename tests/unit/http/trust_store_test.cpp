// http/trust_store.hpp: one store per CA source and process; which system source comes first.
#include "http/trust_store.hpp"

#include <cstdlib>
#include <fstream>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pullcred_test/temp_dir.hpp>
#include <sstream>

namespace pullcred::net {
namespace {

using ::testing::HasSubstr;

std::string ca_pem() {
    static const std::string pem = [] {
        const pullcred_test::TempDir scratch;
        const auto key = scratch.path("key.pem");
        const auto cert = scratch.path("cert.pem");
        const auto command =
            "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=store-test"
            " -days 1 -keyout " +
            key + " -out " + cert + " 2>/dev/null";
        EXPECT_EQ(std::system(command.c_str()), 0);
        std::stringstream text;
        text << std::ifstream(cert).rdbuf();
        return text.str();
    }();
    return pem;
}

TEST(TrustStore, TheSameBundleGivesTheSameStore) {
    std::string error;
    const auto first = bundle_store(ca_pem(), error);
    const auto second = bundle_store(ca_pem(), error);
    ASSERT_TRUE(first && second) << error;
    EXPECT_EQ(first.get(), second.get()) << "read once per process";
}

TEST(TrustStore, AChangedBundleGivesANewStore) {
    std::string error;
    const auto first = bundle_store(ca_pem(), error);
    const auto changed = bundle_store(ca_pem() + "\n", error);
    ASSERT_TRUE(first && changed) << error;
    EXPECT_NE(first.get(), changed.get());
}

TEST(TrustStore, ABundleWithADamagedCertificateIsRefused) {
    auto damaged = ca_pem();
    damaged.insert(damaged.find('\n') + 5, "!!!!");
    std::string error;
    EXPECT_FALSE(bundle_store(damaged, error));
    EXPECT_THAT(error, HasSubstr("OpenSSL cannot read"));
}

TEST(TrustStore, ABundleWithoutCertificatesIsRefused) {
    std::string error;
    EXPECT_FALSE(bundle_store("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", error));
    EXPECT_THAT(error, HasSubstr("holds no PEM certificate"));
}

TEST(TrustStore, TheDirectoryServesWhenItHasHashLinks) {
    const pullcred_test::TempDir scratch;
    scratch.write("certs/5ed36f99.0", ca_pem());
    const SystemCas cas{scratch.path("certs"), {scratch.path("bundle.pem")}};
    std::string error;
    EXPECT_TRUE(system_store(cas, SystemLookup::directory, error)) << error;
}

TEST(TrustStore, TheBundleServesWhereTheDirectoryHasNoHashLinks) {
    const pullcred_test::TempDir scratch;
    scratch.write("certs/ca.pem", ca_pem());      // not a hash link
    scratch.write("certs/5ed36f99.r0", ca_pem()); // a CRL link
    scratch.write("certs/5ed36f9.0", ca_pem());   // seven digits
    const SystemCas cas{scratch.path("certs"),
                        {scratch.path("missing.pem"), scratch.write("bundle.pem", ca_pem())}};
    std::string error;
    EXPECT_FALSE(system_store(cas, SystemLookup::directory, error)) << "no hashed links";
    EXPECT_EQ(error, "") << "not an error: the bundle is to be used";
    EXPECT_EQ(system_bundle(cas), scratch.path("bundle.pem")) << "the first that exists";
    EXPECT_TRUE(system_store(cas, SystemLookup::bundle, error)) << error;
}

TEST(TrustStore, AMissingSystemBundleIsAnError) {
    const pullcred_test::TempDir scratch;
    const SystemCas cas{scratch.path("none"), {scratch.path("none.pem"), scratch.path("nor.pem")}};
    std::string error;
    EXPECT_FALSE(system_store(cas, SystemLookup::bundle, error));
    EXPECT_THAT(error, HasSubstr("no system CA certificates"));
    EXPECT_THAT(error, HasSubstr(scratch.path("none.pem") + ", " + scratch.path("nor.pem")));
}

} // namespace
} // namespace pullcred::net
