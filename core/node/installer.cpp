#include "node/installer.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

#include "log/logger.hpp"
#include "node/host_files.hpp"
#include "node/systemd_unit.hpp"
#include "util/files.hpp"

namespace pullcred::node {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kSecretCap = 1024 * 1024;

std::string yaml_string(std::string_view text) {
    return nlohmann::json(std::string(text)).dump();
}

std::string drop_in_args(const Paths &paths) {
    return "--image-credential-provider-config=" + paths.provider_config.string() +
           " --image-credential-provider-bin-dir=" + (paths.install_dir / "bin").string();
}

bool hidden(const fs::path &path) {
    return path.filename().string().starts_with(".");
}

} // namespace

fs::path on_host(const fs::path &host_root, const fs::path &path) {
    return host_root / path.relative_path();
}

Status refuse_unsupported_host(const fs::path &host_root) {
    std::error_code error;
    if (fs::exists(host_root / "run/api.sock", error))
        return Error::failed(
            "Bottlerocket host (" + (host_root / "run/api.sock").string() +
            " exists): host files are not edited there; `pullcred node install` configures it through "
            "the API socket (core/node/bottlerocket.hpp)");
    return ok();
}

Result<ProviderApi> detect_provider_api(const InstallOptions &options, std::vector<std::string> &warnings) {
    if (!options.provider_api_version.empty()) {
        const std::string prefix = "credentialprovider.kubelet.k8s.io/";
        const auto &given = options.provider_api_version;
        const auto version = given.starts_with(prefix) ? given.substr(prefix.size()) : std::string();
        if (version != "v1" && version != "v1beta1" && version != "v1alpha1")
            return Error::failed("--provider-api-version: \"" + given + "\" is not " + prefix +
                                 "v1, v1beta1 or v1alpha1");
        return ProviderApi{"kubelet.config.k8s.io/" + version, given, {}};
    }
    if (!options.kubelet_version.empty()) {
        auto parsed = parse_kubelet_version(options.kubelet_version);
        return provider_api_for(parsed, "--kubelet-version " + options.kubelet_version);
    }
    std::string preferred;
    if (auto unit = find_kubelet_unit(options.host_root)) preferred = unit->executable;
    std::string seen = "no kubelet binary found under " + options.host_root.string();
    for (const auto &candidate : kubelet_binary_candidates(options.host_root, preferred)) {
        if (::access(candidate.c_str(), X_OK) != 0) continue;
        auto output = run_version_command(candidate);
        if (!output) {
            seen = output.error().message;
            warnings.push_back(seen);
            continue;
        }
        auto line = *output;
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
        auto parsed = parse_kubelet_version(line);
        auto api = provider_api_for(parsed, candidate.string() + " --version printed \"" +
                                                line.substr(0, 200) + "\"");
        if (api)
            log::info("kubelet " + candidate.string() + ": \"" + line.substr(0, 200) + "\" -> " +
                      api->provider_api_version);
        return api;
    }
    return provider_api_for(std::nullopt, seen);
}

std::string render_provider_config(const InstallOptions &options, const ProviderApi &api) {
    std::string out;
    out += "# Written by `pullcred node install`; `pullcred node uninstall` removes it.\n";
    out += "apiVersion: " + api.config_api_version + "\n";
    out += "kind: CredentialProviderConfig\n";
    out += "providers:\n";
    out += "  - name: pullcred\n";
    out += "    matchImages:\n";
    for (const auto &pattern : options.match_images) out += "      - " + yaml_string(pattern) + "\n";
    out += "    defaultCacheDuration: " + yaml_string(options.default_cache_duration) + "\n";
    out += "    apiVersion: " + api.provider_api_version + "\n";
    out += "    args:\n";
    out += "      - get-credentials\n";
    out += "      - --config\n";
    out += "      - " + yaml_string(options.paths.config.string()) + "\n";
    if (!options.provider_env.empty()) {
        out += "    env:\n";
        for (const auto &[name, value] : options.provider_env)
            out += "      - name: " + yaml_string(name) + "\n        value: " + yaml_string(value) + "\n";
    }
    return out;
}

void Installer::load_manifest() {
    if (manifest_loaded_) return;
    manifest_loaded_ = true;
    auto text = read_file_capped(on_host(options_.host_root, options_.paths.manifest), "manifest");
    if (!text) return;
    auto json = nlohmann::json::parse(*text, nullptr, false);
    if (json.is_discarded() || !json.is_object()) return;
    for (const auto &file : json.value("files", nlohmann::json::array()))
        if (file.is_string()) files_.push_back(file.get<std::string>());
    for (const auto &dir : json.value("dirs", nlohmann::json::array()))
        if (dir.is_string()) dirs_.push_back(dir.get<std::string>());
}

void Installer::remember_file(const fs::path &host_path) {
    const auto node_path = "/" + host_path.lexically_relative(options_.host_root).string();
    if (std::find(files_.begin(), files_.end(), node_path) == files_.end()) files_.push_back(node_path);
}

void Installer::remember_dirs(const std::vector<fs::path> &created) {
    for (const auto &dir : created) {
        const auto node_path = "/" + dir.lexically_relative(options_.host_root).string();
        if (std::find(dirs_.begin(), dirs_.end(), node_path) == dirs_.end()) dirs_.push_back(node_path);
    }
}

Status Installer::save_manifest() {
    nlohmann::json json{{"files", files_}, {"dirs", dirs_}};
    const auto path = on_host(options_.host_root, options_.paths.manifest);
    std::vector<fs::path> created;
    if (auto made = make_dirs(path.parent_path(), 0700, &created); !made) return made.error();
    remember_dirs(created);
    json["dirs"] = dirs_;
    if (auto written = write_if_changed(path, json.dump(2) + "\n", 0600); !written) return written.error();
    return ok();
}

Status Installer::copy_bundle(Changes &changes) {
    const auto &root = options_.bundle_root;
    // Everything the bundle runs from: its executables, private libraries,
    // modules and the system libraries it carries (lib/pullcred/sys); not share/.
    const std::vector<fs::path> owned_trees{"bin", PULLCRED_PRIVATE_LIB_SUBDIR};
    std::vector<fs::path> files;
    std::vector<fs::path> links; // names such as bin/docker-credential-pullcred -> pullcred
    std::error_code error;
    for (const auto &tree : owned_trees) {
        for (auto it = fs::recursive_directory_iterator(root / tree, error); !error && it != fs::end(it);
             it.increment(error)) {
            if (it->is_symlink())
                links.push_back(it->path().lexically_relative(root));
            else if (it->is_regular_file())
                files.push_back(it->path().lexically_relative(root));
        }
        if (error)
            return Error::failed("node bundle: cannot list " + (root / tree).string() + ": " +
                                 error.message());
    }
    const auto dest = on_host(options_.host_root, options_.paths.install_dir);
    auto place = [&](const fs::path &file, auto &&write) -> Status {
        std::vector<fs::path> created;
        if (auto made = make_dirs((dest / file).parent_path(), 0755, &created); !made) return made.error();
        remember_dirs(created);
        Result<bool> written = write(dest / file);
        if (!written) return Error::failed("node bundle: " + written.error().message);
        remember_file(dest / file);
        if (*written) {
            changes.bundle = true;
            changes.log.push_back("updated " + (options_.paths.install_dir / file).string());
        }
        return ok();
    };
    for (const auto &file : files)
        if (auto placed =
                place(file, [&](const fs::path &to) { return copy_if_changed(root / file, to, 0755); });
            !placed)
            return placed;
    for (const auto &link : links) {
        const auto target = fs::read_symlink(root / link, error);
        // Only a name beside the link: the bundle never points outside itself.
        if (error || target.has_parent_path() || !fs::is_regular_file((root / link).parent_path() / target))
            return Error::failed("node bundle: " + (root / link).string() +
                                 " must be a symbolic link to a file beside it: rebuild the bundle");
        if (auto placed = place(link, [&](const fs::path &to) { return link_if_changed(target, to); });
            !placed)
            return placed;
    }
    files.insert(files.end(), links.begin(), links.end());
    std::sort(files.begin(), files.end());
    // Files an earlier bundle shipped and this one does not.
    std::vector<fs::path> stale;
    for (const auto &tree : owned_trees)
        for (auto it = fs::recursive_directory_iterator(dest / tree, error); !error && it != fs::end(it);
             it.increment(error))
            if ((it->is_symlink() || it->is_regular_file()) &&
                !std::binary_search(files.begin(), files.end(), it->path().lexically_relative(dest)))
                stale.push_back(it->path());
    for (const auto &path : stale) {
        if (auto removed = remove_file(path); !removed) return removed.error();
        changes.bundle = true;
        changes.log.push_back("removed " +
                              (options_.paths.install_dir / path.lexically_relative(dest)).string());
    }
    return ok();
}

Status Installer::sync_config(Changes &changes) {
    if (options_.config.empty()) return ok();
    auto content = read_file_capped(options_.config, "config");
    if (!content) return content.error();
    const auto path = on_host(options_.host_root, options_.paths.config);
    std::vector<fs::path> created;
    if (auto made = make_dirs(path.parent_path(), 0700, &created); !made) return made.error();
    remember_dirs(created);
    auto written = write_if_changed(path, *content, 0600);
    if (!written) return written.error();
    remember_file(path);
    if (*written) {
        changes.config = true;
        changes.log.push_back("wrote " + options_.paths.config.string());
    }
    return ok();
}

Status Installer::sync_secrets(Changes &changes) {
    if (options_.secrets_dir.empty()) return ok();
    std::error_code error;
    if (!fs::is_directory(options_.secrets_dir, error))
        return Error::failed("--secrets-dir " + options_.secrets_dir.string() + ": not a directory");
    const auto host_secrets = on_host(options_.host_root, options_.secrets_dir);
    std::set<std::string> wanted;
    std::vector<fs::path> secrets;
    for (const auto &entry : fs::directory_iterator(options_.secrets_dir, error))
        if (!hidden(entry.path()) && entry.is_directory()) secrets.push_back(entry.path());
    std::sort(secrets.begin(), secrets.end());
    for (const auto &secret : secrets) {
        const auto host_dir = host_secrets / secret.filename();
        std::vector<fs::path> created;
        if (auto made = make_dirs(host_dir, 0700, &created); !made) return made.error();
        remember_dirs(created);
        if (::chmod(host_dir.c_str(), 0700) != 0)
            return Error::failed("chmod " + host_dir.string() + ": " + std::strerror(errno));
        // A Secret volume: <key> -> ..data/<key>, ..data -> ..<timestamp>; follow them.
        std::vector<fs::path> keys;
        for (const auto &entry : fs::directory_iterator(secret, error))
            if (!hidden(entry.path()) && fs::is_regular_file(entry.path(), error))
                keys.push_back(entry.path());
        std::sort(keys.begin(), keys.end());
        for (const auto &key : keys) {
            auto content = read_file_capped(key, "secret", kSecretCap);
            if (!content) return content.error();
            const auto target = host_dir / key.filename();
            auto written = write_if_changed(target, *content, 0600);
            if (!written) return written.error();
            remember_file(target);
            wanted.insert("/" + target.lexically_relative(options_.host_root).string());
            if (*written) {
                changes.secrets = true;
                changes.log.push_back("wrote " +
                                      (options_.secrets_dir / secret.filename() / key.filename()).string());
            }
        }
    }
    // Keys and Secrets that are gone: remove what install had written there.
    const auto prefix = options_.secrets_dir.lexically_normal().string() + "/";
    std::vector<std::string> kept;
    for (const auto &file : files_) {
        if (!file.starts_with(prefix) || wanted.contains(file)) {
            kept.push_back(file);
            continue;
        }
        if (auto removed = remove_file(on_host(options_.host_root, file)); !removed) return removed.error();
        changes.secrets = true;
        changes.log.push_back("removed " + file);
    }
    files_ = std::move(kept);
    return ok();
}

Status Installer::sync_kubelet(const ProviderApi &api, Changes &changes) {
    auto unit = find_kubelet_unit(options_.host_root);
    if (!unit) return unit.error();
    for (const auto &warning : unit->warnings) log::warn(warning);

    const auto provider = on_host(options_.host_root, options_.paths.provider_config);
    std::vector<fs::path> created;
    if (auto made = make_dirs(provider.parent_path(), 0700, &created); !made) return made.error();
    remember_dirs(created);
    auto written = write_if_changed(provider, render_provider_config(options_, api), 0644);
    if (!written) return written.error();
    remember_file(provider);
    if (*written) {
        changes.kubelet = true;
        changes.log.push_back("wrote " + options_.paths.provider_config.string() + " (" +
                              api.provider_api_version + ")");
    }

    const auto drop_in = options_.host_root / kDropInDir / kDropInName;
    created.clear();
    if (auto made = make_dirs(drop_in.parent_path(), 0755, &created); !made) return made.error();
    remember_dirs(created);
    written = write_if_changed(drop_in, render_drop_in(*unit, drop_in_args(options_.paths)), 0644);
    if (!written) return written.error();
    remember_file(drop_in);
    if (*written) {
        changes.kubelet = true;
        changes.log.push_back("wrote /" + std::string(kDropInDir) + "/" + kDropInName + " (layout " +
                              unit->layout + ", kubelet unit " + unit->unit.string() + ")");
    }
    return ok();
}

Result<Changes> Installer::sync(const ProviderApi &api) {
    load_manifest();
    Changes changes;
    if (options_.match_images.empty())
        return Error::failed("--provider-match-image: at least one pattern is required");
    if (auto status = refuse_unsupported_host(options_.host_root); !status) return status.error();
    // Check the kubelet side first: an unknown layout changes nothing.
    if (auto unit = find_kubelet_unit(options_.host_root); !unit) return unit.error();
    if (auto status = sync_secrets(changes); !status) return status.error();
    if (auto status = sync_config(changes); !status) return status.error();
    if (auto status = sync_kubelet(api, changes); !status) return status.error();
    if (auto status = save_manifest(); !status) return status.error();
    return changes;
}

Result<Changes> Installer::install(const ProviderApi &api) {
    load_manifest();
    if (auto status = refuse_unsupported_host(options_.host_root); !status) return status.error();
    if (auto unit = find_kubelet_unit(options_.host_root); !unit) return unit.error();
    Changes bundle;
    if (auto status = copy_bundle(bundle); !status) return status.error();
    auto changes = sync(api);
    if (!changes) return changes;
    changes->bundle = bundle.bundle;
    changes->log.insert(changes->log.begin(), bundle.log.begin(), bundle.log.end());
    return changes;
}

Result<Changes> uninstall(const fs::path &host_root, const Paths &paths) {
    if (auto status = refuse_unsupported_host(host_root); !status) return status.error();
    Changes changes;
    std::vector<std::string> files;
    std::vector<std::string> dirs;
    if (auto text = read_file_capped(on_host(host_root, paths.manifest), "manifest")) {
        auto json = nlohmann::json::parse(*text, nullptr, false);
        if (json.is_object()) {
            for (const auto &file : json.value("files", nlohmann::json::array()))
                if (file.is_string()) files.push_back(file.get<std::string>());
            for (const auto &dir : json.value("dirs", nlohmann::json::array()))
                if (dir.is_string()) dirs.push_back(dir.get<std::string>());
        }
    }
    // Even without a manifest, the files whose paths are fixed.
    const auto drop_in = "/" + std::string(kDropInDir) + "/" + kDropInName;
    for (const auto &fixed : {drop_in, paths.provider_config.string(), paths.config.string(),
                              (paths.install_dir / "bin/pullcred").string(), paths.manifest.string()})
        if (std::find(files.begin(), files.end(), fixed) == files.end()) files.push_back(fixed);
    for (const auto &file : files) {
        auto removed = remove_file(on_host(host_root, file));
        if (!removed) return removed.error();
        if (!*removed) continue;
        changes.log.push_back("removed " + file);
        if (file == drop_in || file == paths.provider_config.string()) changes.kubelet = true;
    }
    // Directories install created, deepest first, when empty.
    std::sort(dirs.begin(), dirs.end(), [](const auto &a, const auto &b) { return a.size() > b.size(); });
    for (const auto &dir : dirs) {
        if (::rmdir(on_host(host_root, dir).c_str()) == 0) changes.log.push_back("removed " + dir + "/");
    }
    return changes;
}

} // namespace pullcred::node
