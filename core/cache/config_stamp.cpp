#include "cache/config_stamp.hpp"

#include "util/sha256.hpp"

namespace pullcred::cache {

std::string config_stamp_key(std::string_view config_text) {
    Sha256 hash;
    hash.update("config-ok/v1\n").update(PULLCRED_VERSION).update("\n").update(config_text);
    return "config-ok-" + to_hex(hash.finish());
}

bool has_config_stamp(const Store &store, std::string_view config_text) {
    return store.read(config_stamp_key(config_text)).has_value();
}

Status record_config_stamp(const Store &store, std::string_view config_text, std::int64_t now_unix) {
    // Never served as an answer; "expires" only keeps the entry format.
    Entry stamp{now_unix, now_unix, now_unix, nlohmann::json{{"validated", true}}, {}};
    return store.write(config_stamp_key(config_text), stamp);
}

} // namespace pullcred::cache
