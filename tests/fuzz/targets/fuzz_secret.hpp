// Checks shared by the targets of replies that carry secrets: an error is one
// non-empty line and quotes no secret-looking part of the input.
#pragma once

#include <string>
#include <string_view>

#include "fuzz_check.hpp"

namespace pullcred::fuzz {

// The canary the seeds use for every secret value: an error quoting the
// input would carry it.
inline constexpr std::string_view kCanary = "SECRETCANARY";

// `may_quote`: the body is an error reply, whose server message errors quote
// on purpose (it holds no secret).
inline void check_error(std::string_view message, std::string_view input, bool may_quote = false) {
    FUZZ_CHECK(!message.empty(), "empty error for " + escape(input));
    FUZZ_CHECK(message.find('\n') == std::string_view::npos, "multi-line error: " + escape(message));
    FUZZ_CHECK(may_quote || message.find(kCanary) == std::string_view::npos,
               "error quotes a secret: " + escape(message));
}

} // namespace pullcred::fuzz
