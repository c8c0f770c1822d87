#include <filesystem>
#include <fstream>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "node/systemd_unit.hpp"

namespace fs = std::filesystem;
using namespace pullcred::node;
using testing::HasSubstr;

namespace {
struct Host {
    fs::path root =
        fs::temp_directory_path() / ("pullcred-node-unit-" + std::to_string(::getpid()) + "-" +
                                     testing::UnitTest::GetInstance()->current_test_info()->name());
    Host() { fs::remove_all(root); }
    ~Host() { fs::remove_all(root); }
    Host(const Host &) = delete;
    Host &operator=(const Host &) = delete;
    void write(const std::string &path, const std::string &text) const {
        fs::create_directories((root / path).parent_path());
        std::ofstream(root / path) << text;
    }
};
} // namespace

TEST(SystemdUnit, EntriesJoinContinuationsAndSkipComments) {
    auto entries = unit_entries(
        "[Unit]\nA=1\n[Service]\n# c\nExecStart=/usr/bin/kubelet \\\n  --a \\\n  $X\nB = 2\n", "Service");
    ASSERT_EQ(entries.size(), 2U);
    EXPECT_EQ(entries[0].second, "/usr/bin/kubelet --a $X");
    EXPECT_EQ(entries[1].first, "B");
    EXPECT_EQ(entries[1].second, "2");
}

TEST(SystemdUnit, LoneContinuationLinesAreSkipped) {
    // A line that is only a backslash (last in the file, or before a comment) left an empty
    // line that was then read with front() (cppcheck containerOutOfBounds).
    EXPECT_TRUE(unit_entries("[Service]\n\\", "Service").empty());
    auto entries = unit_entries("[Service]\n\\\n# c\nA=1\n", "Service");
    ASSERT_EQ(entries.size(), 1U);
    EXPECT_EQ(entries[0].first, "A");
}

TEST(SystemdUnit, KubeadmDropInOverridesTheUnitAndOursIsIgnored) {
    Host host;
    host.write("lib/systemd/system/kubelet.service", "[Service]\nExecStart=/usr/bin/kubelet\n");
    host.write("usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
               "[Service]\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_EXTRA_ARGS\n");
    host.write("etc/systemd/system/kubelet.service.d/90-pullcred.conf",
               "[Service]\nExecStart=\nExecStart=/usr/bin/kubelet stale $PULLCRED_KUBELET_ARGS\n");
    auto unit = find_kubelet_unit(host.root);
    ASSERT_TRUE(unit) << unit.error().message;
    EXPECT_EQ(unit->layout, "kubeadm");
    EXPECT_EQ(unit->exec_start, "/usr/bin/kubelet $KUBELET_EXTRA_ARGS");
    EXPECT_EQ(unit->executable, "/usr/bin/kubelet");
    const auto drop_in = render_drop_in(*unit, "--a=b");
    EXPECT_THAT(drop_in,
                HasSubstr("Environment=\"PULLCRED_KUBELET_ARGS=--a=b\"\nExecStart=\n"
                          "ExecStart=/usr/bin/kubelet $KUBELET_EXTRA_ARGS $PULLCRED_KUBELET_ARGS\n"));
}

TEST(SystemdUnit, EksUnitIsRecognisedAndExistingProviderFlagsWarned) {
    Host host;
    host.write("etc/systemd/system/kubelet.service",
               "[Service]\nExecStart=/usr/bin/kubelet --image-credential-provider-config /etc/eks/x.json \\\n"
               "  $KUBELET_ARGS\n");
    auto unit = find_kubelet_unit(host.root);
    ASSERT_TRUE(unit);
    EXPECT_EQ(unit->layout, "eks-al2");
    ASSERT_EQ(unit->warnings.size(), 1U);
}

TEST(SystemdUnit, NoUnitOrALaterExecStartIsAnError) {
    Host host;
    host.write("etc/default/kubelet", "KUBELET_EXTRA_ARGS=\n");
    EXPECT_THAT(find_kubelet_unit(host.root).error().message, HasSubstr("no kubelet.service"));
    host.write("etc/systemd/system/kubelet.service", "[Service]\nExecStart=/usr/bin/kubelet\n");
    host.write("etc/systemd/system/kubelet.service.d/99-late.conf", "[Service]\nExecStart=\nExecStart=/x\n");
    EXPECT_THAT(find_kubelet_unit(host.root).error().message, HasSubstr("after pullcred's"));
}
