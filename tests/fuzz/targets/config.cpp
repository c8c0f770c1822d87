// parse_config: a whole config file, through the YAML path ("fuzz.yaml",
// unless the text starts with '{') and the strict JSON path ("fuzz.json").
// Properties: never throws or crashes (the builders after the schema use
// .at() and .get<>(), so the schema must guarantee every shape they read);
// a config that loads has valid matchImages patterns and profile references,
// and the same document written as JSON loads to the same config; a config
// that does not load says why.
#include <nlohmann/json.hpp>

#include "config/loader.hpp"
#include "config/yaml_to_json.hpp"
#include "fuzz_check.hpp"
#include "match/glob.hpp"

using namespace pullcred;

namespace {

void check(const config::LoadResult &result, std::string_view text) {
    if (!result.ok()) {
        FUZZ_CHECK(!result.messages().empty() && !result.summary().empty(), "problem without a message");
        return;
    }
    for (const auto &rule : result.config.registries) {
        for (const auto &pattern : rule.match_images)
            FUZZ_CHECK(match::validate_pattern(pattern).ok(),
                       "invalid pattern accepted: " + fuzz::escape(pattern) + " in " + fuzz::escape(text));
        FUZZ_CHECK(rule.profile.empty() || result.config.profiles.contains(rule.profile), "dangling profile");
    }
}

bool same(const config::Config &a, const config::Config &b) {
    if (a.modules.size() != b.modules.size() || a.profiles.size() != b.profiles.size() ||
        a.registries.size() != b.registries.size() || a.cache.dir != b.cache.dir ||
        a.cache.enabled != b.cache.enabled || a.settings.deadline != b.settings.deadline ||
        a.settings.http_timeout != b.settings.http_timeout)
        return false;
    for (std::size_t i = 0; i < a.registries.size(); ++i) {
        const auto &x = a.registries[i];
        const auto &y = b.registries[i];
        if (x.match_images != y.match_images || x.backend != y.backend || x.profile != y.profile ||
            x.cache_duration != y.cache_duration || x.settings != y.settings)
            return false;
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    const auto as_yaml = config::parse_config(text, "fuzz.yaml");
    check(as_yaml, text);
    const auto as_json = config::parse_config(text, "fuzz.json");
    check(as_json, text);

    // A YAML config that loads, written as JSON, loads to the same config.
    if (as_yaml.ok() && !text.empty() && text.find_first_not_of(" \t\r\n") != std::string_view::npos &&
        text[text.find_first_not_of(" \t\r\n")] != '{') {
        auto document = config::yaml_to_json(text);
        FUZZ_CHECK(document.ok(), "config loaded but yaml_to_json refuses it");
        std::string json;
        try {
            json = document->dump();
        } catch (const nlohmann::json::type_error &) {
            return 0; // invalid UTF-8 in a YAML string
        }
        const auto again = config::parse_config(json, "fuzz.json");
        FUZZ_CHECK(again.ok(), "YAML config loads, its JSON form does not: " + again.summary());
        FUZZ_CHECK(same(as_yaml.config, again.config), "YAML and JSON forms differ: " + fuzz::escape(json));
    }
    return 0;
}
