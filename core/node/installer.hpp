// `pullcred node install` / `node uninstall` on a host mounted at host_root.
//
// Host paths (all under host_root):
//   <install_dir>/bin/pullcred, lib/pullcred/libpullcred-net.so,
//   lib/pullcred/modules/*.so            the node bundle (0755, dirs 0755)
//   /etc/pullcred/config.yaml            pullcred's config (0600)
//   <secrets_dir>/<secret>/<key>         mirrored Secrets (files 0600, dirs 0700)
//   /etc/pullcred/kubelet-credential-provider.yaml   CredentialProviderConfig (0644)
//   /etc/systemd/system/kubelet.service.d/90-pullcred.conf  kubelet flags (0644)
//   /etc/pullcred/node-install.json      what install added, for uninstall (0600)
// Every write is atomic and happens only when the content differs; kubelet
// is restarted only when its drop-in or its CredentialProviderConfig
// changed (the bundle, config and Secrets are read on each exec).
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "node/kubelet_version.hpp"
#include "util/result.hpp"

namespace pullcred::node {

struct Paths {
    std::filesystem::path install_dir = "/opt/pullcred";
    std::filesystem::path config = "/etc/pullcred/config.yaml";
    std::filesystem::path provider_config = "/etc/pullcred/kubelet-credential-provider.yaml";
    std::filesystem::path manifest = "/etc/pullcred/node-install.json";
};

struct InstallOptions {
    std::filesystem::path host_root;
    std::filesystem::path bundle_root; // the running binary's <exe>/..
    std::filesystem::path config;      // the config to install (already checked)
    std::filesystem::path secrets_dir; // mounted Secrets; empty = none
    std::vector<std::string> match_images;
    std::string default_cache_duration = "5h";
    std::string provider_api_version; // empty: from the kubelet version
    std::string kubelet_version;      // empty: ask the node's kubelet
    std::vector<std::pair<std::string, std::string>> provider_env;
    Paths paths;
};

struct Changes {
    bool bundle = false;
    bool config = false;
    bool secrets = false;
    bool kubelet = false;         // drop-in or CredentialProviderConfig: kubelet must restart
    std::vector<std::string> log; // one line per change, for the log
};

// Host path of `path` (absolute, as seen on the node) under host_root.
std::filesystem::path on_host(const std::filesystem::path &host_root, const std::filesystem::path &path);

// Bottlerocket hosts (/run/api.sock) are refused here: node/bottlerocket.hpp handles them.
Status refuse_unsupported_host(const std::filesystem::path &host_root);

// Chooses the provider API: the given one, else from the node's kubelet.
Result<ProviderApi> detect_provider_api(const InstallOptions &options, std::vector<std::string> &warnings);

// The CredentialProviderConfig document.
std::string render_provider_config(const InstallOptions &options, const ProviderApi &api);

class Installer {
public:
    explicit Installer(InstallOptions options) : options_(std::move(options)) {}

    // Everything, bundle included. `api` from detect_provider_api.
    Result<Changes> install(const ProviderApi &api);
    // What --watch repeats: config, Secrets, CredentialProviderConfig, drop-in.
    Result<Changes> sync(const ProviderApi &api);

    [[nodiscard]] const InstallOptions &options() const { return options_; }

private:
    Status copy_bundle(Changes &changes);
    Status sync_config(Changes &changes);
    Status sync_secrets(Changes &changes);
    Status sync_kubelet(const ProviderApi &api, Changes &changes);
    Status save_manifest();
    void load_manifest();
    void remember_file(const std::filesystem::path &host_path);
    void remember_dirs(const std::vector<std::filesystem::path> &created);

    InstallOptions options_;
    bool manifest_loaded_ = false;
    std::vector<std::string> files_; // host paths (as on the node) install wrote
    std::vector<std::string> dirs_;  // directories install created
};

// Removes everything install added; Changes::kubelet when kubelet must restart.
Result<Changes> uninstall(const std::filesystem::path &host_root, const Paths &paths = {});

} // namespace pullcred::node
