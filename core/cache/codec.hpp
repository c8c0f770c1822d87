// How the values the cache keeps are written in an entry's data. Only the
// cache reads and writes these: everywhere else registry auth and source
// credentials stay typed.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <pullcred/module.hpp>

namespace pullcred::cache {

template <class T> struct Codec;

// {"entries":[{"registry","username","password"}...],"expires"?}
template <> struct Codec<sdk::Auth> {
    static nlohmann::json encode(const sdk::Auth &auth);
    // nullopt for data of another shape; registers the passwords for redaction.
    static std::optional<sdk::Auth> decode(const nlohmann::json &data);
};

// {"fields":{name: value...},"expires"?}
template <> struct Codec<sdk::Credentials> {
    static nlohmann::json encode(const sdk::Credentials &credentials);
    // nullopt for data of another shape; registers the secrets for redaction.
    static std::optional<sdk::Credentials> decode(const nlohmann::json &data);
};

} // namespace pullcred::cache
