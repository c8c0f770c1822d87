// The node's own kubelet version, and the credential provider API it speaks.
//   >= 1.26  v1        (GA)
//   1.24-25  v1beta1   (beta, on by default)
//   1.20-23  v1alpha1  (alpha: needs feature gate KubeletCredentialProviders,
//                       which pullcred never adds: gates break upgrades)
//   < 1.20   refused   (kubelet does not know the flags and would not start)
// A version that cannot be found or parsed falls back to v1, the API of
// every Kubernetes release still supported, with a warning (the
// credential-provider-package fell back to the oldest API instead).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace pullcred::node {

struct KubeletVersion {
    int major = 0;
    int minor = 0;
    int patch = 0;
};

// Parses "Kubernetes v1.27.3", "v1.29.0-eks-5e0fdde", "1.30"; nullopt when
// no "MAJOR.MINOR" is found.
std::optional<KubeletVersion> parse_kubelet_version(std::string_view text);

struct ProviderApi {
    std::string config_api_version;   // kubelet.config.k8s.io/...
    std::string provider_api_version; // credentialprovider.kubelet.k8s.io/...
    std::string warning;              // non-empty: log it
};

// The API for `version` (nullopt = unknown: v1 and a warning naming `seen`).
Result<ProviderApi> provider_api_for(const std::optional<KubeletVersion> &version, std::string_view seen);

// Runs `binary --version` (at most `timeout_seconds`), returns its stdout.
Result<std::string> run_version_command(const std::filesystem::path &binary, int timeout_seconds = 10);

// Candidate kubelet binaries under the host root: `preferred` (from the
// kubelet unit's ExecStart) first, then the usual locations.
std::vector<std::filesystem::path> kubelet_binary_candidates(const std::filesystem::path &host_root,
                                                             const std::string &preferred);

} // namespace pullcred::node
