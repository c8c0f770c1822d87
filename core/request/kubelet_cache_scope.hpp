// How kubelet may cache pullcred's answer for one image.
//
// kubelet keeps each answer under one key (the image, the image's registry =
// the image up to the first '/', or one global key) for cacheDuration, and
// looks an image up by image, then registry, then global, before it asks
// pullcred again. On a hit it offers every credential whose auth key matches
// the image (URLsMatchStr). So an answer may be kept under the registry key
// only when every image of that registry gets the same answer from pullcred
// (the same rule, or no rule), and under the global key only when every image
// anywhere does; otherwise it is kept under the image itself.
// docs/architecture.md, "kubelet's cache and pullcred's answers".
#pragma once

#include <pullcred/module.hpp>
#include <string>

#include "config/model.hpp"
#include "kubelet/protocol.hpp"
#include "match/image_ref.hpp"

namespace pullcred::request {

struct KubeletCacheScope {
    kubelet::CacheKeyType cache_key_type = kubelet::CacheKeyType::registry;
    // The registry is shared with other rules or unmatched images: the
    // image's credentials are keyed on the image itself.
    bool key_on_image = false;
    // Why the rule's cacheKeyType was not used (empty when it was).
    std::string overridden;
};

// The scope of the answer `auth` that `rule` gives for `image` (`rule` null,
// `auth` empty: no rule serves the image, the empty answer).
KubeletCacheScope kubelet_cache_scope(const config::Config &config, const config::Rule *rule,
                                      const match::ImageRef &image, const sdk::Auth &auth);

} // namespace pullcred::request
