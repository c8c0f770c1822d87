#include "cache/codec.hpp"

#include "log/redact.hpp"

namespace pullcred::cache {

nlohmann::json Codec<sdk::Auth>::encode(const sdk::Auth &auth) {
    auto entries = nlohmann::json::array();
    for (const auto &entry : auth.entries)
        entries.push_back(
            {{"registry", entry.registry}, {"username", entry.username}, {"password", entry.password}});
    nlohmann::json data{{"entries", entries}};
    if (auth.expires_unix) data["expires"] = *auth.expires_unix;
    return data;
}

std::optional<sdk::Auth> Codec<sdk::Auth>::decode(const nlohmann::json &data) {
    sdk::Auth auth;
    try {
        for (const auto &entry : data.at("entries")) {
            auth.entries.push_back({entry.at("registry").get<std::string>(),
                                    entry.at("username").get<std::string>(),
                                    entry.at("password").get<std::string>()});
            log::register_secret(auth.entries.back().password);
        }
        if (auto expires = data.find("expires"); expires != data.end())
            auth.expires_unix = expires->get<std::int64_t>();
    } catch (const nlohmann::json::exception &) {
        return std::nullopt;
    }
    return auth;
}

nlohmann::json Codec<sdk::Credentials>::encode(const sdk::Credentials &credentials) {
    nlohmann::json data{{"fields", credentials.fields}};
    if (credentials.expires_unix) data["expires"] = *credentials.expires_unix;
    return data;
}

std::optional<sdk::Credentials> Codec<sdk::Credentials>::decode(const nlohmann::json &data) {
    sdk::Credentials credentials;
    auto fields = data.find("fields");
    if (fields == data.end() || !fields->is_object()) return std::nullopt;
    for (const auto &[name, value] : fields->items()) {
        if (!value.is_string()) return std::nullopt;
        credentials.fields[name] = value.get<std::string>();
    }
    if (auto expires = data.find("expires"); expires != data.end()) {
        if (!expires->is_number_integer()) return std::nullopt;
        credentials.expires_unix = expires->get<std::int64_t>();
    }
    log::register_secret(credentials.get(PULLCRED_FIELD_SECRET_ACCESS_KEY));
    log::register_secret(credentials.get(PULLCRED_FIELD_SESSION_TOKEN));
    return credentials;
}

} // namespace pullcred::cache
