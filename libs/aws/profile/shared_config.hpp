// The AWS shared config (`~/.aws/config`) and credentials
// (`~/.aws/credentials`) files, and the profiles they define, resolved the
// way the AWS SDKs do.
//
// - Files: $AWS_CONFIG_FILE (default ~/.aws/config) and
//   $AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials); `~` expands to
//   the home directory. A missing file reads as empty; an unreadable one, a
//   directory or a file over 1 MiB is an Error.
// - Profile selection: $AWS_PROFILE, then $AWS_DEFAULT_PROFILE, else `default`.
// - A Profile merges the profile's keys from both files; for the same key the
//   credentials file wins.
// - Error messages name files, profiles and keys, never secret values.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/profile/environment.hpp"
#include "aws/profile/ini.hpp"
#include "aws/result.hpp"

namespace pullcred::aws {

struct SharedConfigPaths {
    std::string config_file;      // empty: none (no home directory to look in)
    std::string credentials_file; // empty: none
};

// `~` or `~/...` -> home directory + rest; other paths unchanged. Error when
// the path needs a home directory and none is known.
Result<std::string> expand_home(std::string_view path, const EnvLookup &env);

// Where the two files are, from the environment (see the file comment).
Result<SharedConfigPaths> shared_config_paths(const EnvLookup &env);

// $AWS_PROFILE, then $AWS_DEFAULT_PROFILE, else "default".
std::string selected_profile_name(const EnvLookup &env);

// Reads a config file: nullopt when it does not exist; Error when it cannot be
// read, is not a regular file, or is larger than `max_bytes`.
Result<std::optional<std::string>> read_config_file(const std::string &path,
                                                    std::size_t max_bytes = kMaxSharedConfigBytes);

// Reads a file that decides credentials: nullopt when it does not exist.
using FileReader = std::function<Result<std::optional<std::string>>(const std::string &path)>;

// Files read through a module's host (sdk::Host::read_file), which checks and
// records them.
template <class Host> FileReader host_files(Host host) {
    return [host](const std::string &path) -> Result<std::optional<std::string>> {
        if (path.empty()) return std::optional<std::string>();
        auto read = host.read_file(path);
        if (!read.ok()) return Error{read.error().message};
        return std::move(read.value());
    };
}

// Keys whose values are secrets and must never reach a message or a log.
bool is_secret_profile_key(std::string_view key);

class Profile {
public:
    Profile() = default;
    explicit Profile(std::string name) : name_(std::move(name)) {}

    [[nodiscard]] const std::string &name() const { return name_; }
    // True when neither file defines the profile (an absent `default`).
    [[nodiscard]] bool empty() const { return values_.empty() && subsections_.empty(); }

    // Any key (case-insensitive); nullopt when absent or empty.
    [[nodiscard]] std::optional<std::string> get(std::string_view key) const;
    // A `key =` sub-section, or nullptr.
    [[nodiscard]] const IniValues *subsection(std::string_view key) const;
    // The file that supplied `key` (for messages); empty when absent.
    [[nodiscard]] std::string origin(std::string_view key) const;
    [[nodiscard]] const IniValues &values() const { return values_; }

    // Credential-source keys.
    [[nodiscard]] std::optional<std::string> aws_access_key_id() const { return get("aws_access_key_id"); }
    [[nodiscard]] std::optional<std::string> aws_secret_access_key() const {
        return get("aws_secret_access_key");
    }
    [[nodiscard]] std::optional<std::string> aws_session_token() const { return get("aws_session_token"); }
    [[nodiscard]] std::optional<std::string> credential_process() const { return get("credential_process"); }
    [[nodiscard]] std::optional<std::string> role_arn() const { return get("role_arn"); }
    [[nodiscard]] std::optional<std::string> source_profile() const { return get("source_profile"); }
    [[nodiscard]] std::optional<std::string> credential_source() const { return get("credential_source"); }
    [[nodiscard]] std::optional<std::string> web_identity_token_file() const {
        return get("web_identity_token_file");
    }
    [[nodiscard]] std::optional<std::string> role_session_name() const { return get("role_session_name"); }
    [[nodiscard]] std::optional<std::string> external_id() const { return get("external_id"); }
    // A positive whole number of seconds; Error naming profile, key and file otherwise.
    [[nodiscard]] Result<std::optional<std::int64_t>> duration_seconds() const;

    // Client settings.
    [[nodiscard]] std::optional<std::string> region() const { return get("region"); }
    [[nodiscard]] std::optional<std::string> endpoint_url() const { return get("endpoint_url"); }
    [[nodiscard]] std::optional<std::string> ca_bundle() const { return get("ca_bundle"); }
    // `true` / `false` (case-insensitive); Error otherwise.
    [[nodiscard]] Result<std::optional<bool>> use_fips_endpoint() const {
        return get_bool("use_fips_endpoint");
    }
    [[nodiscard]] Result<std::optional<bool>> use_dualstack_endpoint() const {
        return get_bool("use_dualstack_endpoint");
    }
    [[nodiscard]] Result<std::optional<bool>> get_bool(std::string_view key) const;

    // `endpoint_url` for one service (`ecr`, `ecr_public`, `sts`,
    // `rolesanywhere`) from the `[services NAME]` section this profile names
    // with `services = NAME`.
    [[nodiscard]] std::optional<std::string> service_endpoint_url(std::string_view service_key) const;

    // Building (used by SharedConfig; handy in tests).
    void set(std::string key, std::string value, std::string origin);
    void set_subsection(std::string key, IniValues values, std::string origin);
    void set_services(IniSection services) { services_ = std::move(services); }

private:
    std::string name_;
    IniValues values_;
    std::map<std::string, IniValues, std::less<>> subsections_;
    std::map<std::string, std::string, std::less<>> origins_;
    IniSection services_;
};

class SharedConfig {
public:
    // Reads both files (missing ones read as empty), by default with read_config_file.
    static Result<SharedConfig> load(const SharedConfigPaths &paths, const FileReader &read = {});
    // From file contents; `paths` only names the files in messages.
    static Result<SharedConfig> parse(std::string_view config_text, std::string_view credentials_text,
                                      const SharedConfigPaths &paths);

    [[nodiscard]] const SharedConfigPaths &paths() const { return paths_; }
    [[nodiscard]] bool has_profile(std::string_view name) const;
    [[nodiscard]] std::vector<std::string> profile_names() const;
    // The merged profile; Error when neither file defines it.
    [[nodiscard]] Result<Profile> profile(std::string_view name) const;
    // The merged profile, empty when neither file defines it.
    [[nodiscard]] Profile profile_or_empty(std::string_view name) const;
    [[nodiscard]] const IniSection *sso_session(std::string_view name) const;
    [[nodiscard]] const IniSection *services(std::string_view name) const;

private:
    SharedConfigPaths paths_;
    IniFile config_;
    IniFile credentials_;
};

// The selected profile (see selected_profile_name) from the files the
// environment points at. An absent `default` profile is an empty Profile;
// an explicitly selected profile that neither file defines is an Error.
Result<Profile> load_selected_profile(const EnvLookup &env);

} // namespace pullcred::aws
