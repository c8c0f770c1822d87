#include "cache/inputs.hpp"

#include <cstdlib>

#include "util/clock.hpp"
#include "util/sha256.hpp"

namespace pullcred::cache {

namespace {
// A file modified this close to when it was read may change again within the
// same timestamp tick: its content is compared, not only its stat.
constexpr std::int64_t kRacyWindowNs = 2'000'000'000;

std::optional<std::string> env_digest(const std::string &name) {
    const char *value = std::getenv(name.c_str()); // NOLINT(concurrency-mt-unsafe): read-only use
    if (value == nullptr) return std::nullopt;
    return sha256_hex(value);
}

std::optional<std::string> content_digest(const std::string &path) {
    auto content = read_file_capped(path, "input");
    if (!content) return std::nullopt;
    return sha256_hex(*content);
}
} // namespace

void Inputs::add_file(const std::string &path, const std::optional<FileIdentity> &identity,
                      std::optional<std::string_view> content) {
    File file{identity, content ? sha256_hex(*content) : std::string(), false};
    if (identity && content) {
        const auto now = util::now_unix_ns();
        file.racy = now - identity->mtime_ns < kRacyWindowNs || now - identity->ctime_ns < kRacyWindowNs;
    }
    files_.insert_or_assign(path, std::move(file));
}

void Inputs::add_env(const std::string &name, const std::optional<std::string> &value) {
    env_.insert_or_assign(name, value ? std::optional<std::string>(sha256_hex(*value)) : std::nullopt);
}

void Inputs::merge(const Inputs &other) {
    for (const auto &[path, file] : other.files_) files_.insert_or_assign(path, file);
    for (const auto &[name, digest] : other.env_) env_.insert_or_assign(name, digest);
}

std::optional<std::string> Inputs::first_change() const {
    for (const auto &[name, digest] : env_)
        if (env_digest(name) != digest) return "environment variable " + name + " changed";
    for (const auto &[path, file] : files_) {
        const auto now = current_identity(path);
        if (!now || !file.identity) {
            if (now.has_value() != file.identity.has_value())
                return "file " + path + (now ? " appeared" : " disappeared");
            continue;
        }
        if (*now == *file.identity && !file.racy) continue;
        if (file.sha256.empty() || content_digest(path) != file.sha256) return "file " + path + " changed";
    }
    return std::nullopt;
}

nlohmann::json Inputs::to_json() const {
    auto files = nlohmann::json::array();
    for (const auto &[path, file] : files_) {
        nlohmann::json item{{"path", path}};
        if (file.identity) {
            const auto &id = *file.identity;
            item.update({{"dev", id.device},
                         {"ino", id.inode},
                         {"size", id.size},
                         {"mtime", id.mtime_ns},
                         {"ctime", id.ctime_ns},
                         {"sha256", file.sha256},
                         {"racy", file.racy}});
        }
        files.push_back(std::move(item));
    }
    auto env = nlohmann::json::array();
    for (const auto &[name, digest] : env_) {
        nlohmann::json item{{"name", name}};
        if (digest) item["sha256"] = *digest;
        env.push_back(std::move(item));
    }
    return {{"files", files}, {"env", env}};
}

std::optional<Inputs> Inputs::from_json(const nlohmann::json &data) {
    Inputs inputs;
    try {
        for (const auto &item : data.at("files")) {
            File file;
            if (item.contains("dev")) {
                file.identity =
                    FileIdentity{item.at("dev").get<std::uint64_t>(), item.at("ino").get<std::uint64_t>(),
                                 item.at("size").get<std::int64_t>(), item.at("mtime").get<std::int64_t>(),
                                 item.at("ctime").get<std::int64_t>()};
                file.sha256 = item.at("sha256").get<std::string>();
                file.racy = item.at("racy").get<bool>();
            }
            inputs.files_.insert_or_assign(item.at("path").get<std::string>(), std::move(file));
        }
        for (const auto &item : data.at("env")) {
            std::optional<std::string> digest;
            if (auto it = item.find("sha256"); it != item.end()) digest = it->get<std::string>();
            inputs.env_.insert_or_assign(item.at("name").get<std::string>(), std::move(digest));
        }
    } catch (const nlohmann::json::exception &) {
        return std::nullopt;
    }
    return inputs;
}

} // namespace pullcred::cache
