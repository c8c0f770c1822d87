#include "node/bottlerocket.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <pullcred/base64.hpp>
#include <pullcred/time.hpp>
#include <unistd.h>

#include "node/host_files.hpp"
#include "node/unix_http.hpp"
#include "util/files.hpp"

namespace pullcred::node {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char *kTransaction = "pullcred-node-install";

std::string excerpt(const std::string &body) {
    std::string out;
    for (const char c : body.substr(0, 200)) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    return out.empty() ? std::string() : ": " + out;
}

// `show_body`: false for requests whose reply could echo what was sent.
Result<std::string> call(const fs::path &socket, const std::string &method, const std::string &target,
                         const std::string &body, bool show_body) {
    auto reply = unix_http_request(socket, method, target, body);
    if (!reply)
        return Error::failed("Bottlerocket API " + method + " " + target + ": " + reply.error().message);
    if (reply->status < 200 || reply->status > 299)
        return Error::failed("Bottlerocket API " + method + " " + target + ": HTTP " +
                             std::to_string(reply->status) +
                             (show_body ? excerpt(reply->body) : std::string()));
    return reply->body;
}

Result<json> get_settings(const fs::path &socket) {
    auto body = call(socket, "GET", "/settings", "", true);
    if (!body) return body.error();
    auto settings = json::parse(*body, nullptr, false);
    if (settings.is_discarded() || !settings.is_object())
        return Error::failed("Bottlerocket API GET /settings: the reply is not a JSON object");
    if (settings.contains("settings") && settings["settings"].is_object()) return settings["settings"];
    return settings;
}

Status apply(const fs::path &socket, const json &patch) {
    const std::string tx = std::string("?tx=") + kTransaction;
    if (auto patched = call(socket, "PATCH", "/settings" + tx, patch.dump(), false); !patched)
        return patched.error();
    if (auto committed = call(socket, "POST", "/tx/commit_and_apply" + tx, "", true); !committed)
        return committed.error();
    return ok();
}

std::string dotted(const std::string &pointer) {
    std::string out = "settings";
    for (const char c : pointer) out += c == '/' ? '.' : c;
    return out;
}

struct Manifest {
    std::vector<std::string> touched;
    json previous = json::object();
};

std::optional<Manifest> load_manifest(const fs::path &path) {
    auto text = read_file_capped(path, "manifest");
    if (!text) return std::nullopt;
    auto parsed = json::parse(*text, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
    Manifest manifest;
    for (const auto &leaf : parsed.value("touched", json::array()))
        if (leaf.is_string()) manifest.touched.push_back(leaf.get<std::string>());
    if (parsed.contains("previous") && parsed["previous"].is_object()) manifest.previous = parsed["previous"];
    return manifest;
}

Status save_manifest(const fs::path &path, const Manifest &manifest) {
    if (auto made = make_dirs(path.parent_path(), 0700); !made) return made.error();
    const json out{{"touched", manifest.touched}, {"previous", manifest.previous}};
    if (auto written = write_if_changed(path, out.dump(2) + "\n", 0600); !written) return written.error();
    return ok();
}

bool restarts_kubelet(const std::string &leaf) {
    return leaf == "/aws/profile" || leaf.starts_with("/kubernetes/");
}

} // namespace

std::optional<fs::path> bottlerocket_socket(const fs::path &host_root, const std::string &flag) {
    if (!flag.empty()) return fs::path(flag);
    const auto socket = on_host(host_root, kBottlerocketSocket);
    std::error_code error;
    if (fs::exists(fs::symlink_status(socket, error))) return socket;
    return std::nullopt;
}

Result<Changes> bottlerocket_sync(const BottlerocketOptions &options, const KeysSource &keys,
                                  std::int64_t now) {
    auto current = get_settings(options.socket);
    if (!current) return current.error();

    json config_setting;
    std::string validity;
    const json::json_pointer config_pointer("/aws/config");
    std::optional<ConfigMarker> marker;
    if (current->contains(config_pointer) && current->at(config_pointer).is_string()) {
        const auto decoded = sdk::base64_decode(current->at(config_pointer).get<std::string>());
        if (decoded) marker = parse_config_marker(*decoded);
        // Sessions no longer than refresh_before refresh at half their life, not at every pass.
        auto margin = options.refresh_before;
        if (marker && marker->expires_unix && marker->written_unix &&
            *marker->expires_unix - *marker->written_unix <= margin)
            margin = (*marker->expires_unix - *marker->written_unix) / 2;
        if (marker && marker->fingerprint == options.fingerprint && marker->expires_unix &&
            *marker->expires_unix - now > margin)
            config_setting = current->at(config_pointer);
    }
    auto wanted = options.wanted;
    if (config_setting.is_null()) {
        auto fetched = keys();
        if (!fetched) return fetched.error();
        // The same temporary keys again (a source's own cache): what is there stays.
        if (marker && marker->fingerprint == options.fingerprint && fetched->expires_unix &&
            marker->expires_unix == fetched->expires_unix)
            config_setting = current->at(config_pointer);
        wanted.aws_config =
            render_aws_config(wanted.profile, *fetched, options.region, options.fingerprint, now);
        validity = fetched->expires_unix ? " (temporary credentials valid until " +
                                               sdk::format_rfc3339(*fetched->expires_unix) + ")"
                                         : " (static keys)";
    }
    auto wanted_json = wanted_settings(wanted);
    if (!config_setting.is_null()) wanted_json[config_pointer] = config_setting;

    Changes changes;
    const auto patch = settings_diff(*current, wanted_json);
    const auto leaves = settings_leaves(patch);
    if (leaves.empty()) return changes;

    const auto manifest_path = on_host(options.host_root, options.manifest);
    auto manifest = load_manifest(manifest_path).value_or(Manifest{});
    for (const auto &leaf : leaves) {
        if (std::find(manifest.touched.begin(), manifest.touched.end(), leaf) != manifest.touched.end())
            continue;
        manifest.touched.push_back(leaf);
        const json::json_pointer pointer(leaf);
        if (current->contains(pointer)) manifest.previous[pointer] = current->at(pointer);
    }
    // Saved before the PATCH: a failed commit can still be undone.
    if (auto saved = save_manifest(manifest_path, manifest); !saved) return saved.error();
    if (auto applied = apply(options.socket, patch); !applied) return applied.error();

    bool kubelet = false;
    for (const auto &leaf : leaves) {
        changes.log.push_back("Bottlerocket: set " + dotted(leaf) + (leaf == "/aws/config" ? validity : ""));
        kubelet = kubelet || restarts_kubelet(leaf);
    }
    changes.config = true;
    if (kubelet) changes.log.emplace_back("Bottlerocket restarts kubelet for these settings itself");
    return changes;
}

Result<Changes> bottlerocket_uninstall(const fs::path &socket, const fs::path &host_root,
                                       const fs::path &manifest) {
    Changes changes;
    const auto path = on_host(host_root, manifest);
    auto saved = load_manifest(path);
    if (!saved) return changes;
    const auto patch = restore_patch(saved->touched, saved->previous);
    if (!settings_leaves(patch).empty()) {
        if (auto applied = apply(socket, patch); !applied) return applied.error();
        for (const auto &leaf : settings_leaves(patch))
            changes.log.push_back("Bottlerocket: restored " + dotted(leaf));
    }
    if (auto removed = remove_file(path); !removed) return removed.error();
    changes.log.push_back("removed " + manifest.string());
    ::rmdir(path.parent_path().c_str());
    return changes;
}

} // namespace pullcred::node
