// log::redact: the one path every stderr line, error and `explain` output
// takes.
// Input: the text to redact; its first line, when 4 to 64 bytes long, is also
// registered as a secret (the first 64 distinct ones of a run: the store is
// process-wide and only grows), on top of a fixed set of realistic secrets
// registered at start-up.
// Properties: never crashes; the output contains no registered secret (except
// secrets that contain '[' or ']' or are part of "[REDACTED]", which the
// marker itself can spell); no PEM private key block survives; redacting
// twice changes nothing (a second pass finding more means the first left a
// secret-shaped piece behind).
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "log/redact.hpp"

using namespace pullcred;

namespace {

constexpr std::size_t kMaxInputSecrets = 64;

std::vector<std::string> &secrets() {
    static std::vector<std::string> all;
    return all;
}

std::size_t input_secrets = 0;

void remember(std::string_view value) {
    for (const auto &known : secrets())
        if (known == value) return;
    log::register_secret(value);
    secrets().emplace_back(value);
}

bool checkable(std::string_view secret) {
    return secret.size() >= 4 && secret.find_first_of("[]") == std::string_view::npos &&
           log::kRedacted.find(secret) == std::string_view::npos;
}

bool has_private_key_block(std::string_view text) {
    constexpr std::string_view begin = "-----BEGIN ";
    for (auto pos = text.find(begin); pos != std::string_view::npos; pos = text.find(begin, pos + 1)) {
        const auto label_end = text.find("-----", pos + begin.size());
        if (label_end == std::string_view::npos) return false;
        if (text.substr(pos + begin.size(), label_end - pos - begin.size()).find("PRIVATE KEY") !=
            std::string_view::npos)
            return true;
    }
    return false;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    for (const std::string_view secret : {
             "AKIAIOSFODNN7EXAMPLE",
             "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
             "FwoGZXIvYXdzEJr//////////wEaDH7+session+token==",
             "hunter2hunter2",
             "abcd",                  // the shortest remembered
             "abcdefgh",              // contains another secret
             "efghijkl",              // overlaps "abcdefgh"
             "p@ss word\nwith\tbits", // blanks and control characters
             "eyJzZWNyZXQ",           // starts like a JWT
             "password",              // also a field name
             "\xC3\xA9t\xC3\xA9-secret",
         })
        remember(secret);
    log::register_secret("xyz"); // too short: ignored by design, not checked
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    const auto first_line = text.substr(0, text.find('\n'));
    if (first_line.size() >= 4 && first_line.size() <= 64 && input_secrets < kMaxInputSecrets) {
        const auto before = secrets().size();
        remember(first_line);
        if (secrets().size() != before) ++input_secrets;
    }

    const auto out = log::redact(text);
    for (const auto &secret : secrets()) {
        if (!checkable(secret)) continue;
        FUZZ_CHECK(out.find(secret) == std::string::npos, "secret " + fuzz::escape(secret) + " survives in " +
                                                              fuzz::escape(out) + " (input " +
                                                              fuzz::escape(text) + ")");
    }
    FUZZ_CHECK(!has_private_key_block(out), "private key block survives: " + fuzz::escape(out));
    const auto twice = log::redact(out);
    FUZZ_CHECK(twice == out, "not idempotent: " + fuzz::escape(text) + " -> " + fuzz::escape(out) + " -> " +
                                 fuzz::escape(twice));
    return 0;
}
