#include "util/install_prefix.hpp"

#include <gtest/gtest.h>

namespace pullcred {
namespace {

const std::filesystem::path kPrivateLib(PULLCRED_TEST_PRIVATE_LIB_SUBDIR);

TEST(InstallPrefix, FrontInBin) {
    EXPECT_EQ(install_prefix_of("/opt/pullcred/bin/pullcred"), "/opt/pullcred");
}

TEST(InstallPrefix, HostInThePrivateLibDir) {
    EXPECT_EQ(install_prefix_of("/opt/pullcred" / kPrivateLib / "pullcred-host"), "/opt/pullcred");
}

TEST(InstallPrefix, AnotherLibDirIsNotThePrivateOne) {
    EXPECT_EQ(install_prefix_of("/opt/pullcred/lib/other/pullcred-host"), "/opt/pullcred/lib");
}

TEST(InstallPrefix, HostExecutableIsUnderThePrivateLibDir) {
    const auto host = host_executable();
    ASSERT_FALSE(host.empty());
    EXPECT_EQ(host.filename(), kHostExecutableName);
    EXPECT_EQ(install_prefix_of(host), install_prefix());
}

} // namespace
} // namespace pullcred
