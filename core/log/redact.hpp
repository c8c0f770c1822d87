// The one redaction path: every line pullcred writes to stderr, every error
// and every module-written line of `explain` (its endpoints) passes through
// redact(). Secrets are removed
// two ways: values registered when they are read (keys, tokens, passwords),
// and shapes that are secret whatever their origin (JWTs, PEM private keys,
// secret-named fields).
#pragma once

#include <string>
#include <string_view>

namespace pullcred::log {

// Remembers a secret value so that redact() removes it wherever it appears.
// Values shorter than 4 characters are not remembered (they would redact
// ordinary text), so never treat this as the only defence.
void register_secret(std::string_view value);

std::string redact(std::string_view text);

inline constexpr std::string_view kRedacted = "[REDACTED]";

} // namespace pullcred::log
