// How kubelet is started on a systemd host, and the drop-in pullcred owns.
//
// pullcred never edits a file it does not own. It writes one drop-in,
// /etc/systemd/system/kubelet.service.d/90-pullcred.conf, that sets
// PULLCRED_KUBELET_ARGS and re-declares kubelet's effective ExecStart (read
// from the unit and every other drop-in, in systemd's order) with
// $PULLCRED_KUBELET_ARGS appended. This works whatever variables the
// distribution uses (kubeadm's KUBELET_EXTRA_ARGS from /etc/default/kubelet
// or /etc/sysconfig/kubelet, the EKS AL2 AMI's KUBELET_ARGS, AL2023
// nodeadm's NODEADM_KUBELET_ARGS) and whatever those env files contain:
// an Environment= in a drop-in would lose to an EnvironmentFile= setting the
// same variable (the package's `KUBELET_EXTRA_ARGS=` line), and editing
// those files is how the credential-provider-package broke Ubuntu nodes.
// Our flags come last, so they win over flags already present (the EKS AMI
// sets its own ecr-credential-provider). Uninstall deletes the drop-in.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace pullcred::node {

inline constexpr const char *kDropInName = "90-pullcred.conf";
inline constexpr const char *kDropInDir = "etc/systemd/system/kubelet.service.d";
inline constexpr const char *kArgsVariable = "PULLCRED_KUBELET_ARGS";

struct KubeletUnit {
    std::filesystem::path unit;                  // host path of kubelet.service
    std::vector<std::filesystem::path> drop_ins; // other drop-ins, in the order systemd applies them
    std::string exec_start;                      // effective ExecStart, continuations joined
    std::string executable;                      // its first word, e.g. /usr/bin/kubelet
    std::string layout;                          // kubeadm, eks-al2, eks-al2023, systemd
    std::vector<std::string> warnings;
};

// Splits a unit file into (key, value) pairs of `section`, in order;
// backslash continuations are joined, comments skipped.
std::vector<std::pair<std::string, std::string>> unit_entries(const std::string &content,
                                                              const std::string &section);

// Finds kubelet.service under `host_root` and its drop-ins (ours excluded).
// An error when there is none or it has no ExecStart.
Result<KubeletUnit> find_kubelet_unit(const std::filesystem::path &host_root);

// The content of our drop-in for `unit` with `args` (already flags).
std::string render_drop_in(const KubeletUnit &unit, const std::string &args);

} // namespace pullcred::node
