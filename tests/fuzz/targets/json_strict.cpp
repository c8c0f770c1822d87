// parse_json_strict: JSON without duplicate keys, trailing garbage or invalid
// UTF-8, never throwing.
// Properties: an accepted document dumps without error (valid UTF-8), reads
// back strictly to the same value, and has no duplicate key: an independent
// SAX pass counts the keys of every object, and that count must equal the
// objects' sizes in the parsed value (nlohmann keeps the last of duplicates).
#include <nlohmann/json.hpp>
#include <vector>

#include "fuzz_check.hpp"
#include "util/json_strict.hpp"

using namespace pullcred;

namespace {

// Counts object keys as read, before duplicates collapse.
struct KeyCounter : nlohmann::json_sax<nlohmann::json> {
    std::size_t keys = 0;
    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t &) override { return true; }
    bool string(string_t &) override { return true; }
    bool binary(binary_t &) override { return true; }
    bool start_object(std::size_t) override { return true; }
    bool key(string_t &) override {
        ++keys;
        return true;
    }
    bool end_object() override { return true; }
    bool start_array(std::size_t) override { return true; }
    bool end_array() override { return true; }
    bool parse_error(std::size_t, const std::string &, const nlohmann::detail::exception &) override {
        return false;
    }
};

std::size_t count_members(const nlohmann::json &value) {
    std::size_t total = 0;
    std::vector<const nlohmann::json *> stack{&value};
    while (!stack.empty()) {
        const auto *node = stack.back();
        stack.pop_back();
        if (node->is_object()) total += node->size();
        if (node->is_structured())
            for (const auto &child : *node) stack.push_back(&child);
    }
    return total;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    auto parsed = parse_json_strict(text);
    if (!parsed) {
        FUZZ_CHECK(parsed.error().message.starts_with("invalid JSON: "), parsed.error().message);
        return 0;
    }
    std::string dumped;
    try {
        dumped = parsed->dump();
    } catch (const nlohmann::json::exception &e) {
        FUZZ_CHECK(false, std::string("accepted document does not dump: ") + e.what());
    }
    auto again = parse_json_strict(dumped);
    FUZZ_CHECK(again.ok(), "dump not accepted back: " + fuzz::escape(dumped));
    FUZZ_CHECK(*again == *parsed, "round trip changed the value: " + fuzz::escape(dumped));

    KeyCounter counter;
    const bool sax_ok = nlohmann::json::sax_parse(text.begin(), text.end(), &counter);
    FUZZ_CHECK(sax_ok, "strict parser accepted what the SAX parser refuses");
    FUZZ_CHECK(counter.keys == count_members(*parsed), "duplicate key accepted");
    return 0;
}
