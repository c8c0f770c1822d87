// What a cached answer was made from: the files and environment variables
// that its sources and backend read through the host's input services. An
// entry is served only while every one of them is as it was, so that a
// rotated Secret, another AWS_PROFILE or a new key file takes effect at the
// next request.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "util/input_file.hpp"

namespace pullcred::cache {

class Inputs {
public:
    // `identity` nullopt: the file does not exist (its appearance counts as
    // a change). `content` is hashed unless the file is a program.
    void add_file(const std::string &path, const std::optional<FileIdentity> &identity,
                  std::optional<std::string_view> content);
    void add_env(const std::string &name, const std::optional<std::string> &value);
    void merge(const Inputs &other);

    [[nodiscard]] bool empty() const { return files_.empty() && env_.empty(); }
    [[nodiscard]] nlohmann::json to_json() const;
    static std::optional<Inputs> from_json(const nlohmann::json &data);

    // The first input that is not as recorded ("file /x changed"), or nullopt.
    [[nodiscard]] std::optional<std::string> first_change() const;

private:
    struct File {
        std::optional<FileIdentity> identity; // nullopt: absent
        std::string sha256;                   // empty for programs
        bool racy = false; // changed so recently that stat alone cannot tell a later change
    };
    std::map<std::string, File, std::less<>> files_;
    std::map<std::string, std::optional<std::string>, std::less<>>
        env_; // SHA-256 of the value, nullopt: unset
};

} // namespace pullcred::cache
