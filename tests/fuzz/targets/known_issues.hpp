// Known, reported bugs the fuzz targets step around so that fuzzing can go
// on finding new ones. Each has a reproducer in tests/fuzz/crashes/ that
// `run.sh --repro` replays without the workaround; delete the workaround once
// that reproducer passes.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <exception>
#include <sstream>
#include <string>
#include <string_view>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

namespace pullcred::fuzz {

// yaml-cpp 0.7 (Debian 12): YAML::LoadAll never returns, allocating without
// bound, on a stray top-level ',' (jbeder/yaml-cpp#1040, fixed upstream by
// PR #1319 after 0.8.0): Parser::HandleNextDocument reports a null document
// and returns true forever without consuming the token. yaml_to_json calls
// LoadAll, so a config file "," hangs pullcred (crashes/*/timeout-lone-comma).
// Detected here by asking the parser for a few documents, which a real
// stream of that many documents would also need.
inline bool yaml_loadall_would_hang(std::string_view text) {
    if (std::getenv("PULLCRED_FUZZ_NO_WORKAROUNDS") != nullptr) return false;
    struct Ignore : YAML::EventHandler {
        void OnDocumentStart(const YAML::Mark &) override {}
        void OnDocumentEnd() override {}
        void OnNull(const YAML::Mark &, YAML::anchor_t) override {}
        void OnAlias(const YAML::Mark &, YAML::anchor_t) override {}
        void OnScalar(const YAML::Mark &, const std::string &, YAML::anchor_t, const std::string &) override {
        }
        void OnSequenceStart(const YAML::Mark &, const std::string &, YAML::anchor_t,
                             YAML::EmitterStyle::value) override {}
        void OnSequenceEnd() override {}
        void OnMapStart(const YAML::Mark &, const std::string &, YAML::anchor_t,
                        YAML::EmitterStyle::value) override {}
        void OnMapEnd() override {}
    } ignore;
    try {
        std::stringstream in{std::string(text)};
        YAML::Parser parser(in);
        for (int documents = 0; documents < 64; ++documents)
            if (!parser.HandleNextDocument(ignore)) return false;
        return true;
    } catch (const std::exception &) {
        return false;
    }
}

// valijson (Debian 12) counts characters for minLength/maxLength with
// utils::u8_strlen, which indexes a 6-entry table with the length of a run
// of UTF-8 continuation bytes: a string with 6 or more of them in a row (only
// possible in invalid UTF-8) reads past the table (UBSan: index out of bounds
// at valijson/utils/utf8_utils.hpp:38). The strict JSON path refuses invalid
// UTF-8; the YAML path (yaml_to_json) passes it through to the schema
// validator (crashes/config/ubsan-invalid-utf8-minlength.yaml). Inputs that
// are not valid UTF-8 are skipped by the config target.
inline bool valid_utf8(std::string_view text) {
    if (std::getenv("PULLCRED_FUZZ_NO_WORKAROUNDS") != nullptr) return true;
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t extra = 0;
        if (c < 0x80)
            extra = 0;
        else if (c >= 0xC2 && c <= 0xDF)
            extra = 1;
        else if (c >= 0xE0 && c <= 0xEF)
            extra = 2;
        else if (c >= 0xF0 && c <= 0xF4)
            extra = 3;
        else
            return false;
        for (std::size_t k = 1; k <= extra; ++k) {
            if (i + k >= text.size() || (static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80)
                return false;
        }
        i += extra + 1;
    }
    return true;
}

} // namespace pullcred::fuzz
