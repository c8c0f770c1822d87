// `pullcred node install` / `node uninstall` on Bottlerocket: through the
// Bottlerocket API on its unix socket (GET /settings, PATCH
// /settings?tx=..., POST /tx/commit_and_apply?tx=...), never host files.
//
// Bottlerocket runs its own ecr-credential-provider; pullcred gives it AWS
// keys in settings.aws.config (temporary ones for sources such as Roles
// Anywhere, refreshed before they expire) and enables the provider for the
// image patterns. Only leaves that differ are PATCHed. What the settings held
// before is kept in <host-root>/var/lib/pullcred/bottlerocket-install.json
// (0600) for uninstall. docs/install.md, "Bottlerocket", has the why.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "node/bottlerocket_settings.hpp"
#include "node/installer.hpp"
#include "util/result.hpp"

namespace pullcred::node {

inline constexpr const char *kBottlerocketSocket = "/run/api.sock";
inline constexpr const char *kBottlerocketManifest = "/var/lib/pullcred/bottlerocket-install.json";

struct BottlerocketOptions {
    std::filesystem::path socket;
    std::filesystem::path host_root;
    std::filesystem::path manifest = kBottlerocketManifest; // as on the node
    BottlerocketWanted wanted;                              // aws_config: filled by sync
    std::string region;                                     // written into the AWS config
    std::string fingerprint;                                // of the profile's definition, not secret
    std::int64_t refresh_before = std::int64_t{30} * 60;    // seconds of validity left that trigger a refresh
};

using KeysSource = std::function<Result<AwsKeys>()>;

// The API socket to use: `flag` when given, else <host-root>/run/api.sock
// when it exists; nullopt on other hosts.
std::optional<std::filesystem::path> bottlerocket_socket(const std::filesystem::path &host_root,
                                                         const std::string &flag);

// One pass of install (and of each --watch tick). Keys are asked of `keys`
// only when the config in settings.aws.config was not written by pullcred
// for this profile, has no expiry (static keys: re-read each pass), or
// expires within refresh_before of `now`.
Result<Changes> bottlerocket_sync(const BottlerocketOptions &options, const KeysSource &keys,
                                  std::int64_t now);

// PATCHes back what install changed and removes the manifest.
Result<Changes> bottlerocket_uninstall(const std::filesystem::path &socket,
                                       const std::filesystem::path &host_root,
                                       const std::filesystem::path &manifest = kBottlerocketManifest);

} // namespace pullcred::node
