#include "aws/profile/shared_config.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <set>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace pullcred::aws {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char &c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::string errno_text(int err) {
    return std::strerror(err);
} // NOLINT(concurrency-mt-unsafe)

struct FileCloser {
    int fd;
    explicit FileCloser(int f) : fd(f) {}
    FileCloser(const FileCloser &) = delete;
    FileCloser &operator=(const FileCloser &) = delete;
    ~FileCloser() { ::close(fd); }
};

std::string describe_profile(const Profile &profile, std::string_view key) {
    std::string text = "profile '" + profile.name() + "'";
    const std::string file = profile.origin(key);
    if (!file.empty()) text += " in " + file;
    return text;
}

} // namespace

Result<std::string> expand_home(std::string_view path, const EnvLookup &env) {
    if (path.empty() || path[0] != '~' || (path.size() > 1 && path[1] != '/')) return std::string(path);
    auto home = home_directory(env);
    if (!home) {
        return Error{"cannot expand '~' in '" + std::string(path) +
                     "': HOME is not set and the user has no home directory"};
    }
    std::string out = *home;
    if (!out.empty() && out.back() == '/' && path.size() > 1) out.pop_back();
    out += path.substr(1);
    return out;
}

Result<SharedConfigPaths> shared_config_paths(const EnvLookup &env) {
    SharedConfigPaths paths;
    struct Spec {
        const char *variable;
        const char *fallback;
        std::string *out;
    };
    const Spec specs[] = {{"AWS_CONFIG_FILE", "~/.aws/config", &paths.config_file},
                          {"AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials", &paths.credentials_file}};
    for (const auto &spec : specs) {
        if (auto set = env_value(env, spec.variable)) {
            auto expanded = expand_home(*set, env);
            if (!expanded) return Error{std::string(spec.variable) + ": " + expanded.error().message};
            *spec.out = std::move(expanded.value());
        } else if (auto expanded = expand_home(spec.fallback, env)) {
            *spec.out = std::move(expanded.value());
        } // no home directory: no default file, as if it were missing
    }
    return paths;
}

std::string selected_profile_name(const EnvLookup &env) {
    if (auto name = env_value(env, "AWS_PROFILE")) return *name;
    if (auto name = env_value(env, "AWS_DEFAULT_PROFILE")) return *name;
    return "default";
}

Result<std::optional<std::string>> read_config_file(const std::string &path, std::size_t max_bytes) {
    using Out = std::optional<std::string>;
    if (path.empty()) return Out{};
    // O_NONBLOCK: opening a FIFO must not hang; anything but a regular file is refused below.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY); // NOLINT
    if (fd < 0) {
        const int err = errno;
        if (err == ENOENT) return Out{};
        return Error{"cannot open " + path + ": " + errno_text(err)};
    }
    FileCloser closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) return Error{"cannot stat " + path + ": " + errno_text(errno)};
    if (S_ISDIR(st.st_mode))
        return Error{path + " is a directory, expected an AWS config or credentials file"};
    if (!S_ISREG(st.st_mode)) return Error{path + " is not a regular file"};
    if (st.st_size > 0 && static_cast<std::uint64_t>(st.st_size) > max_bytes) {
        return Error{path + ": " + std::to_string(st.st_size) + " bytes, larger than the " +
                     std::to_string(max_bytes) + "-byte limit for AWS config and credentials files"};
    }
    std::string data;
    char buffer[16384];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR) continue;
            return Error{"cannot read " + path + ": " + errno_text(errno)};
        }
        if (n == 0) break;
        data.append(buffer, static_cast<std::size_t>(n));
        if (data.size() > max_bytes) {
            return Error{path + ": larger than the " + std::to_string(max_bytes) +
                         "-byte limit for AWS config and credentials files"};
        }
    }
    return Out{std::move(data)};
}

bool is_secret_profile_key(std::string_view key) {
    const std::string k = lower(key);
    return k == "aws_secret_access_key" || k == "aws_session_token" || k == "aws_security_token";
}

// ---- Profile ----

std::optional<std::string> Profile::get(std::string_view key) const {
    auto it = values_.find(lower(key));
    if (it == values_.end() || it->second.empty()) return std::nullopt;
    return it->second;
}

const IniValues *Profile::subsection(std::string_view key) const {
    auto it = subsections_.find(lower(key));
    return it == subsections_.end() ? nullptr : &it->second;
}

std::string Profile::origin(std::string_view key) const {
    auto it = origins_.find(lower(key));
    return it == origins_.end() ? std::string{} : it->second;
}

Result<std::optional<std::int64_t>> Profile::duration_seconds() const {
    using Out = std::optional<std::int64_t>;
    auto text = get("duration_seconds");
    if (!text) return Out{};
    std::int64_t value = 0;
    bool valid = !text->empty() && text->size() <= 9; // at most 999999999: no overflow
    for (std::size_t i = 0; valid && i < text->size(); ++i) {
        const char c = (*text)[i];
        valid = c >= '0' && c <= '9';
        if (valid) value = value * 10 + (c - '0');
    }
    if (!valid || value == 0) {
        return Error{describe_profile(*this, "duration_seconds") +
                     ": duration_seconds must be a positive whole number of seconds, got '" + *text + "'"};
    }
    return Out{value};
}

Result<std::optional<bool>> Profile::get_bool(std::string_view key) const {
    using Out = std::optional<bool>;
    auto text = get(key);
    if (!text) return Out{};
    auto value = parse_bool_setting(*text);
    if (!value) {
        std::string message =
            describe_profile(*this, key) + ": " + std::string(key) + " must be true or false";
        if (!is_secret_profile_key(key)) message += ", got '" + *text + "'";
        return Error{std::move(message)};
    }
    return Out{*value};
}

std::optional<std::string> Profile::service_endpoint_url(std::string_view service_key) const {
    auto sub = services_.subsections.find(lower(service_key));
    if (sub == services_.subsections.end()) return std::nullopt;
    auto url = sub->second.find("endpoint_url");
    if (url == sub->second.end() || url->second.empty()) return std::nullopt;
    return url->second;
}

void Profile::set(std::string key, std::string value, std::string origin) {
    subsections_.erase(key);
    origins_[key] = std::move(origin);
    values_[std::move(key)] = std::move(value);
}

void Profile::set_subsection(std::string key, IniValues values, std::string origin) {
    values_.erase(key);
    origins_[key] = std::move(origin);
    subsections_[std::move(key)] = std::move(values);
}

// ---- SharedConfig ----

Result<SharedConfig> SharedConfig::parse(std::string_view config_text, std::string_view credentials_text,
                                         const SharedConfigPaths &paths) {
    SharedConfig out;
    out.paths_ = paths;
    const std::string config_name = paths.config_file.empty() ? "AWS config file" : paths.config_file;
    const std::string credentials_name =
        paths.credentials_file.empty() ? "AWS credentials file" : paths.credentials_file;
    auto config = parse_ini(config_text, IniFileKind::config, config_name);
    if (!config) return config.error();
    auto credentials = parse_ini(credentials_text, IniFileKind::credentials, credentials_name);
    if (!credentials) return credentials.error();
    out.config_ = std::move(config.value());
    out.credentials_ = std::move(credentials.value());
    return out;
}

Result<SharedConfig> SharedConfig::load(const SharedConfigPaths &paths, const FileReader &read) {
    const FileReader reader = read ? read : [](const std::string &path) { return read_config_file(path); };
    auto config = reader(paths.config_file);
    if (!config) return config.error();
    auto credentials = reader(paths.credentials_file);
    if (!credentials) return credentials.error();
    return parse(config->value_or(""), credentials->value_or(""), paths);
}

bool SharedConfig::has_profile(std::string_view name) const {
    return config_.profiles.find(name) != config_.profiles.end() ||
           credentials_.profiles.find(name) != credentials_.profiles.end();
}

std::vector<std::string> SharedConfig::profile_names() const {
    std::set<std::string> names;
    for (const auto &[name, section] : config_.profiles) names.insert(name);
    for (const auto &[name, section] : credentials_.profiles) names.insert(name);
    return {names.begin(), names.end()};
}

Profile SharedConfig::profile_or_empty(std::string_view name) const {
    Profile profile{std::string(name)};
    auto apply = [&profile](const IniSection &section, const std::string &origin) {
        for (const auto &[key, value] : section.values) profile.set(key, value, origin);
        for (const auto &[key, sub] : section.subsections) profile.set_subsection(key, sub, origin);
    };
    if (auto it = config_.profiles.find(name); it != config_.profiles.end())
        apply(it->second, paths_.config_file);
    if (auto it = credentials_.profiles.find(name); it != credentials_.profiles.end()) {
        apply(it->second, paths_.credentials_file);
    }
    // `services = NAME` points at a [services NAME] section of the config file.
    if (auto services_name = profile.get("services")) {
        if (const IniSection *section = services(*services_name)) profile.set_services(*section);
    }
    return profile;
}

Result<Profile> SharedConfig::profile(std::string_view name) const {
    if (!has_profile(name)) {
        std::string where;
        if (!paths_.config_file.empty()) where += paths_.config_file;
        if (!paths_.credentials_file.empty())
            where += (where.empty() ? "" : " or ") + paths_.credentials_file;
        if (where.empty()) where = "the AWS config files";
        return Error{"AWS profile '" + std::string(name) + "' is not defined in " + where};
    }
    return profile_or_empty(name);
}

const IniSection *SharedConfig::sso_session(std::string_view name) const {
    auto it = config_.sso_sessions.find(name);
    return it == config_.sso_sessions.end() ? nullptr : &it->second;
}

const IniSection *SharedConfig::services(std::string_view name) const {
    auto it = config_.services.find(name);
    return it == config_.services.end() ? nullptr : &it->second;
}

Result<Profile> load_selected_profile(const EnvLookup &env) {
    auto paths = shared_config_paths(env);
    if (!paths) return paths.error();
    auto config = SharedConfig::load(paths.value());
    if (!config) return config.error();
    const std::string name = selected_profile_name(env);
    if (name == "default") return config->profile_or_empty(name);
    auto profile = config->profile(name);
    if (!profile) {
        const char *variable = env_value(env, "AWS_PROFILE") ? "AWS_PROFILE" : "AWS_DEFAULT_PROFILE";
        return Error{profile.error().message + " (selected by " + variable + ")"};
    }
    return profile;
}

} // namespace pullcred::aws
