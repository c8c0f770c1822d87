// The remembered verdict "this exact config text passed the schema": a cache
// file named by the SHA-256 of the pullcred version and the config's bytes,
// so that a cache hit need not compile the schema again. An edited config
// (other bytes) or another pullcred version has no stamp and is validated.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cache/store.hpp"
#include "util/result.hpp"

namespace pullcred::cache {

// "config-ok-<hex>": the store key of the stamp for `config_text`.
std::string config_stamp_key(std::string_view config_text);

// True when `store` holds a trusted (own, 0600, well-formed) stamp.
bool has_config_stamp(const Store &store, std::string_view config_text);

// Records the stamp; call only after the text validated cleanly.
Status record_config_stamp(const Store &store, std::string_view config_text, std::int64_t now_unix);

} // namespace pullcred::cache
