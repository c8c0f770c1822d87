// aws.static: static AWS keys, from one of
//   secretDir        a mounted Secret in the EKS Anywhere layout (files
//                    AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, optional
//                    AWS_SESSION_TOKEN and REGION);
//   configFile       an AWS config file (+ optional credentialsFile) and a
//                    profile holding aws_access_key_id / aws_secret_access_key;
//   fromEnvironment  AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
//                    AWS_SESSION_TOKEN and AWS_REGION / AWS_DEFAULT_REGION.
// Files are read again on every call, so a rotated Secret takes effect at
// once. No error ever quotes a secret.
#include <optional>
#include <pullcred/module.hpp>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "aws/profile/environment.hpp"
#include "aws/profile/region.hpp"
#include "aws/profile/shared_config.hpp"
#include "secret_files.hpp"

#ifndef MODULE_VERSION
#define MODULE_VERSION "0.0.0"
#endif

namespace pullcred_static {
namespace {

using pullcred::sdk::Config;
using pullcred::sdk::ConfigError;
using pullcred::sdk::Credentials;
using pullcred::sdk::CredentialsRequest;
using pullcred::sdk::Error;
using pullcred::sdk::Host;
using pullcred::sdk::Result;

constexpr const char *kSchema = R"({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "aws.static: static AWS keys",
  "description": "Exactly one of secretDir, configFile (with optional credentialsFile and profile) or fromEnvironment; the module checks that with a message naming the keys.",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "secretDir": {
      "description": "Directory of a mounted Secret with files AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, optional AWS_SESSION_TOKEN and REGION.",
      "type": "string", "minLength": 1
    },
    "configFile": {"description": "AWS config file (shared config format).", "type": "string", "minLength": 1},
    "credentialsFile": {"description": "AWS credentials file; its keys win over configFile's.", "type": "string", "minLength": 1},
    "profile": {"description": "Profile in configFile / credentialsFile (default: default).", "type": "string", "minLength": 1},
    "fromEnvironment": {"description": "Read AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION.", "const": true},
    "region": {"description": "Region to report, overriding the one found with the keys.", "type": "string", "pattern": "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"}
  }
})";

constexpr std::string_view kLayout = "a Secret for aws.static holds the files AWS_ACCESS_KEY_ID and "
                                     "AWS_SECRET_ACCESS_KEY, optionally AWS_SESSION_TOKEN and REGION";

struct SecretDirMode {
    std::string dir;
};
struct ConfigFileMode {
    std::string config_file;
    std::string credentials_file; // may be empty
    std::string profile;
};
struct EnvironmentMode {};
using Mode = std::variant<SecretDirMode, ConfigFileMode, EnvironmentMode>;

std::string string_setting(const Config &config, const char *key) {
    const auto it = config.find(key);
    if (it == config.end()) return {};
    if (!it->is_string() || it->get_ref<const std::string &>().empty())
        throw ConfigError(std::string(key) + " must be a non-empty string");
    return it->get<std::string>();
}

std::string join(const std::string &dir, std::string_view name) {
    if (!dir.empty() && dir.back() == '/') return dir + std::string(name);
    return dir + "/" + std::string(name);
}

class StaticSource final : public pullcred::sdk::CredentialSource {
public:
    StaticSource(Host host, const Config &config) : host_(host) {
        if (!config.is_object()) throw ConfigError("the profile's settings must be an object");
        for (const auto &[key, value] : config.items()) {
            if (key != "secretDir" && key != "configFile" && key != "credentialsFile" && key != "profile" &&
                key != "fromEnvironment" && key != "region")
                throw ConfigError(
                    "unknown key " + key +
                    " (known: secretDir, configFile, credentialsFile, profile, fromEnvironment, "
                    "region)");
        }
        const bool from_env = config.contains("fromEnvironment");
        if (from_env && config.at("fromEnvironment") != true)
            throw ConfigError("fromEnvironment must be true (or left out)");
        std::vector<std::string> modes;
        for (const char *key : {"secretDir", "configFile", "fromEnvironment"})
            if (config.contains(key)) modes.emplace_back(key);
        if (modes.size() != 1) {
            std::string found = modes.empty() ? std::string("none of them") : modes.front();
            for (std::size_t i = 1; i < modes.size(); ++i)
                found += (i + 1 == modes.size() ? " and " : ", ") + modes[i];
            throw ConfigError("set exactly one of secretDir, configFile or fromEnvironment: true (found " +
                              found + ")");
        }
        if (!config.contains("configFile")) {
            for (const char *key : {"credentialsFile", "profile"})
                if (config.contains(key))
                    throw ConfigError(std::string(key) + " only goes with configFile (this profile uses " +
                                      modes.front() + ")");
        }
        region_ = string_setting(config, "region");
        if (!region_.empty() && has_forbidden_bytes(region_))
            throw ConfigError("region must not contain blanks or control characters");

        if (config.contains("secretDir")) {
            mode_ = SecretDirMode{string_setting(config, "secretDir")};
        } else if (config.contains("configFile")) {
            ConfigFileMode mode{string_setting(config, "configFile"),
                                string_setting(config, "credentialsFile"), string_setting(config, "profile")};
            if (mode.profile.empty()) mode.profile = "default";
            mode_ = std::move(mode);
        } else {
            mode_ = EnvironmentMode{};
        }
    }

    Result<std::string> describe(const CredentialsRequest & /*request*/) override {
        if (const auto *dir = std::get_if<SecretDirMode>(&mode_))
            return "static keys from the Secret in " + dir->dir;
        if (const auto *file = std::get_if<ConfigFileMode>(&mode_))
            return "static keys of AWS profile \"" + file->profile + "\" in " + file->config_file +
                   (file->credentials_file.empty() ? std::string() : " and " + file->credentials_file);
        return std::string("static keys from the environment (AWS_ACCESS_KEY_ID)");
    }

    Result<Credentials> get_credentials(const CredentialsRequest & /*request*/) override {
        if (const auto *dir = std::get_if<SecretDirMode>(&mode_)) return from_secret_dir(*dir);
        if (const auto *file = std::get_if<ConfigFileMode>(&mode_)) return from_config_file(*file);
        return from_environment();
    }

private:
    // One file of the Secret: its trimmed value, nullopt when absent or empty
    // (an Error when unreadable or malformed).
    Result<std::optional<std::string>> secret_file(const SecretDirMode &mode, std::string_view name) const {
        const auto path = join(mode.dir, name);
        auto read = read_small_file(path);
        if (!read.ok()) return Error::failed("secretDir: " + read.error().message);
        if (!read.value()) return std::optional<std::string>{};
        const auto value = trim(*read.value());
        if (value.empty()) return std::optional<std::string>{};
        if (has_forbidden_bytes(value))
            return Error::failed("secretDir: " + path +
                                 " holds blanks or control characters inside its value; it must hold the "
                                 "value alone (a trailing newline is fine)");
        return std::optional<std::string>(std::string(value));
    }

    Result<Credentials> from_secret_dir(const SecretDirMode &mode) const {
        if (auto problem = check_directory(mode.dir, "secretDir"))
            return Error::failed(*problem + "; " + std::string(kLayout));
        Credentials out;
        struct Field {
            const char *file;
            const char *field;
            bool required;
        };
        for (const auto &[file, field, required] :
             {Field{"AWS_ACCESS_KEY_ID", PULLCRED_FIELD_ACCESS_KEY_ID, true},
              Field{"AWS_SECRET_ACCESS_KEY", PULLCRED_FIELD_SECRET_ACCESS_KEY, true},
              Field{"AWS_SESSION_TOKEN", PULLCRED_FIELD_SESSION_TOKEN, false},
              Field{"REGION", PULLCRED_FIELD_REGION, false}}) {
            auto value = secret_file(mode, file);
            if (!value.ok()) return value.error();
            if (!value.value()) {
                if (!required) continue;
                if (auto files = aws_files_in(mode)) return from_config_file(*files);
                const auto path = join(mode.dir, file);
                const auto read = read_small_file(path);
                const auto exists = !read.ok() || read.value().has_value();
                return Error::failed("secretDir: " + path + (exists ? " is empty" : " is missing") + "; " +
                                     std::string(kLayout));
            }
            out.fields[field] = std::move(*value.value());
        }
        if (!region_.empty()) out.fields[PULLCRED_FIELD_REGION] = region_;
        host_.debug("static keys from secretDir " + mode.dir);
        return out;
    }

    // A Secret made the way the EKS Anywhere tutorial makes it
    // (`--from-file=config=credfile`) holds an AWS config or credentials file
    // instead of key files: it is read as such, with profile default.
    [[nodiscard]] std::optional<ConfigFileMode> aws_files_in(const SecretDirMode &mode) const {
        ConfigFileMode files{"", "", "default"};
        for (auto [name, path] :
             {std::pair{"config", &files.config_file}, std::pair{"credentials", &files.credentials_file}}) {
            auto read = read_small_file(join(mode.dir, name), pullcred::aws::kMaxSharedConfigBytes);
            if (!read.ok() || read.value()) *path = join(mode.dir, name);
        }
        if (files.config_file.empty() && files.credentials_file.empty()) return std::nullopt;
        host_.debug("secretDir " + mode.dir +
                    " holds AWS config files, not key files: reading profile default");
        return files;
    }

    Result<Credentials> from_config_file(const ConfigFileMode &mode) const {
        const auto env = pullcred::aws::host_env(host_);
        pullcred::aws::SharedConfigPaths paths;
        std::string texts[2];
        for (auto [setting, path, out, text] :
             {std::tuple{"configFile", &mode.config_file, &paths.config_file, &texts[0]},
              std::tuple{"credentialsFile", &mode.credentials_file, &paths.credentials_file, &texts[1]}}) {
            if (path->empty()) continue;
            auto expanded = pullcred::aws::expand_home(*path, env);
            if (!expanded) return Error::failed(std::string(setting) + ": " + expanded.error().message);
            *out = expanded.value();
            auto read = read_small_file(*out, pullcred::aws::kMaxSharedConfigBytes);
            if (!read.ok()) return Error::failed(std::string(setting) + ": " + read.error().message);
            if (!read.value()) return Error::failed(std::string(setting) + " " + *out + " does not exist");
            *text = std::move(*read.value());
        }
        auto shared = pullcred::aws::SharedConfig::parse(texts[0], texts[1], paths);
        if (!shared) return Error::failed(shared.error().message);
        std::string files = paths.config_file;
        if (!paths.credentials_file.empty()) files += " and " + paths.credentials_file;
        auto profile = shared->profile_or_empty(mode.profile);
        if (profile.empty())
            return Error::failed("profile '" + mode.profile + "' is defined in neither " + files +
                                 " (in a config file write [profile " + mode.profile + "] or [default])");
        const auto id = profile.aws_access_key_id();
        const auto secret = profile.aws_secret_access_key();
        if (!id || !secret) {
            std::string missing = !id && !secret ? "aws_access_key_id and aws_secret_access_key"
                                  : !id          ? "aws_access_key_id"
                                                 : "aws_secret_access_key";
            std::string text = "profile '" + mode.profile + "' in " + files + " has no " + missing;
            if (profile.credential_process() || profile.role_arn() || profile.web_identity_token_file())
                text +=
                    "; it uses another kind of credentials (credential_process, role_arn or "
                    "web_identity_token_file): use source aws.shared-config for it, aws.static reads static "
                    "keys only";
            return Error::failed(text);
        }
        for (const auto *value : {&*id, &*secret}) {
            if (has_forbidden_bytes(*value))
                return Error::failed("profile '" + mode.profile + "' in " + files + ": " +
                                     (value == &*id ? "aws_access_key_id" : "aws_secret_access_key") +
                                     " holds blanks or control characters");
        }
        Credentials out;
        out.fields[PULLCRED_FIELD_ACCESS_KEY_ID] = *id;
        out.fields[PULLCRED_FIELD_SECRET_ACCESS_KEY] = *secret;
        if (auto token = profile.aws_session_token()) out.fields[PULLCRED_FIELD_SESSION_TOKEN] = *token;
        if (!region_.empty()) {
            out.fields[PULLCRED_FIELD_REGION] = region_;
        } else if (auto region = profile.region()) {
            out.fields[PULLCRED_FIELD_REGION] = *region;
        }
        host_.debug("static keys from profile '" + mode.profile + "' in " + files);
        return out;
    }

    // A file of the Secret or an AWS file, through the host; nullopt: missing.
    [[nodiscard]] Result<std::optional<std::string>>
    read_small_file(const std::string &path, std::size_t max_bytes = kMaxSecretFileBytes) const {
        auto read = host_.read_file(path);
        if (!read.ok() || !read.value()) return read;
        if (read.value()->size() > max_bytes)
            return Error::failed(path + " is " + std::to_string(read.value()->size()) +
                                 " bytes, larger than the limit of " + std::to_string(max_bytes) + " bytes");
        return read;
    }

    Result<Credentials> from_environment() const {
        const auto env = pullcred::aws::host_env(host_);
        const auto id = pullcred::aws::env_value(env, "AWS_ACCESS_KEY_ID");
        const auto secret = pullcred::aws::env_value(env, "AWS_SECRET_ACCESS_KEY");
        if (!id || !secret) {
            std::string missing = !id && !secret ? "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are"
                                  : !id          ? "AWS_ACCESS_KEY_ID is"
                                                 : "AWS_SECRET_ACCESS_KEY is";
            return Error::failed("fromEnvironment: " + missing +
                                 " not set in pullcred's environment (for kubelet: the `env` of the "
                                 "provider in its CredentialProviderConfig)");
        }
        Credentials out;
        out.fields[PULLCRED_FIELD_ACCESS_KEY_ID] = std::string(trim(*id));
        out.fields[PULLCRED_FIELD_SECRET_ACCESS_KEY] = std::string(trim(*secret));
        if (auto token = pullcred::aws::env_value(env, "AWS_SESSION_TOKEN"); token && !trim(*token).empty())
            out.fields[PULLCRED_FIELD_SESSION_TOKEN] = std::string(trim(*token));
        for (const auto &[field, name] :
             {std::pair{PULLCRED_FIELD_ACCESS_KEY_ID, "AWS_ACCESS_KEY_ID"},
              std::pair{PULLCRED_FIELD_SECRET_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY"},
              std::pair{PULLCRED_FIELD_SESSION_TOKEN, "AWS_SESSION_TOKEN"}}) {
            const auto it = out.fields.find(field);
            if (it == out.fields.end()) continue;
            if (it->second.empty())
                return Error::failed(std::string("fromEnvironment: ") + name + " is blank");
            if (has_forbidden_bytes(it->second))
                return Error::failed(std::string("fromEnvironment: ") + name +
                                     " holds blanks or control characters");
        }
        if (!region_.empty()) {
            out.fields[PULLCRED_FIELD_REGION] = region_;
        } else if (auto region = pullcred::aws::resolve_region(env, nullptr)) {
            out.fields[PULLCRED_FIELD_REGION] = region->region;
        }
        host_.debug("static keys from the environment");
        return out;
    }

    Host host_;
    Mode mode_;
    std::string region_; // the `region` override, or empty
};

} // namespace
} // namespace pullcred_static

PULLCRED_MODULE("source-static", MODULE_VERSION,
                pullcred::sdk::credential_source<pullcred_static::StaticSource>("aws.static",
                                                                                pullcred_static::kSchema))
