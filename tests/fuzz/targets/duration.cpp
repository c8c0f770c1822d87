// parse_go_duration / format_go_duration.
// Properties: never crashes; a parsed duration is non-negative, formats to a
// string that parses back to the same value and formats identically; and
// a plain "<digits><unit>" with a small number gives the exact value.
#include <charconv>

#include "fuzz_check.hpp"
#include "util/duration.hpp"

using namespace pullcred;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    auto parsed = parse_go_duration(text);
    if (!parsed) {
        FUZZ_CHECK(!text.empty() || parsed.error().message.find("empty") != std::string::npos,
                   parsed.error().message);
        return 0;
    }
    FUZZ_CHECK(parsed->count() >= 0, "negative duration from " + fuzz::escape(text));
    FUZZ_CHECK(!text.starts_with("-"), "negative input accepted: " + fuzz::escape(text));
    // Go's limit: 2^63-1 ns, about 9223372036 s.
    FUZZ_CHECK(parsed->count() <= 9223372036LL, "beyond Go's range: " + fuzz::escape(text));

    const auto formatted = format_go_duration(*parsed);
    auto again = parse_go_duration(formatted);
    FUZZ_CHECK(again.ok(), "formatted duration refused: " + formatted);
    FUZZ_CHECK(*again == *parsed, fuzz::escape(text) + " -> " + formatted + " -> different value");
    FUZZ_CHECK(format_go_duration(*again) == formatted, "format not stable: " + formatted);

    // "<digits>s|m|h" with at most 9 digits: exact.
    std::size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
    if (digits > 0 && digits <= 9 && digits + 1 == text.size()) {
        long long value = 0;
        std::from_chars(text.data(), text.data() + digits, value);
        const char unit = text.back();
        const long long scale = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : 0;
        if (scale != 0) FUZZ_CHECK(parsed->count() == value * scale, "wrong value for " + fuzz::escape(text));
    }
    return 0;
}
