// yaml_to_json: YAML (1.2 core schema) to JSON, the first step of every YAML
// config.
// Properties: never throws or crashes; an accepted document reads back to
// the same value when written as JSON and read as YAML again (JSON is YAML),
// and is at most kMaxDepth (64) levels deep. Documents whose strings are not
// valid UTF-8 cannot be written as JSON strictly; they are skipped for the
// round trip.
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "config/yaml_to_json.hpp"
#include "fuzz_check.hpp"

using namespace pullcred;

namespace {

std::size_t depth_of(const nlohmann::json &value) {
    std::size_t deepest = 0;
    std::vector<std::pair<const nlohmann::json *, std::size_t>> stack{{&value, 0}};
    while (!stack.empty()) {
        const auto [node, depth] = stack.back();
        stack.pop_back();
        deepest = std::max(deepest, depth);
        if (node->is_structured())
            for (const auto &child : *node) stack.emplace_back(&child, depth + 1);
    }
    return deepest;
}

// YAML 1.2 limits implicit keys to 1024 characters: JSON with a longer key
// (as written, escapes included) is not YAML.
bool has_long_key(const nlohmann::json &value) {
    std::vector<const nlohmann::json *> stack{&value};
    while (!stack.empty()) {
        const auto *node = stack.back();
        stack.pop_back();
        if (node->is_object())
            for (const auto &[key, child] : node->items())
                if (nlohmann::json(key)
                        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                        .size() > 1000)
                    return true;
        if (node->is_structured())
            for (const auto &child : *node) stack.push_back(&child);
    }
    return false;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    auto converted = config::yaml_to_json(text);
    if (!converted) {
        FUZZ_CHECK(!converted.error().message.empty(), "empty error message");
        return 0;
    }
    FUZZ_CHECK(depth_of(*converted) <= 65, "deeper than kMaxDepth");

    std::string dumped;
    try {
        dumped = converted->dump(1);
    } catch (const nlohmann::json::type_error &) {
        return 0; // invalid UTF-8 in a string (JSON configs refuse it; YAML passes it through)
    }
    if (has_long_key(*converted)) return 0;
    auto again = config::yaml_to_json(dumped);
    FUZZ_CHECK(again.ok(), "YAML refuses JSON " + fuzz::escape(dumped) + ": " + again.error().message);
    FUZZ_CHECK(*again == *converted, "JSON round trip changed " + fuzz::escape(text) + " -> " +
                                         fuzz::escape(dumped) + " -> " + fuzz::escape(again->dump()));
    return 0;
}
