// cache::parse_entry / encode_entry: a cache entry file as Store::read reads
// it (the file checks aside).
// Properties: never throws; an accepted entry encodes and parses back to the
// same entry; encoding is stable; freshness_of is consistent with its times.
#include "cache/store.hpp"
#include "fuzz_check.hpp"

using namespace pullcred;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    auto entry = cache::parse_entry(text);
    if (!entry) {
        FUZZ_CHECK(!entry.error().message.empty(), "empty error");
        return 0;
    }
    const auto encoded = cache::encode_entry(*entry);
    auto again = cache::parse_entry(encoded);
    FUZZ_CHECK(again.ok(), "encoded entry refused: " + fuzz::escape(encoded));
    FUZZ_CHECK(again->created_unix == entry->created_unix && again->expires_unix == entry->expires_unix &&
                   again->refresh_unix == entry->refresh_unix,
               "times changed: " + fuzz::escape(encoded));
    FUZZ_CHECK(cache::encode_entry(*again) == encoded, "encoding not stable: " + fuzz::escape(encoded));
    const auto now = entry->refresh_unix;
    const auto freshness = cache::freshness_of(entry.value(), now);
    FUZZ_CHECK(freshness != cache::Freshness::fresh, "fresh at its refresh time");
    return 0;
}
