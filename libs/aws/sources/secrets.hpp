// The secrets the built-in sources read that never pass through a
// credentials sink (web identity, SSO and metadata tokens, PINs and key
// passwords). Each is reported to the sink the host installs, its one
// redaction path (core/log/redact.hpp), so that no error or log line shows it.
#pragma once

#include <string_view>

namespace pullcred::aws::sources {

using SecretSink = void (*)(std::string_view value);

// Installs where report_secret() sends values (nullptr: nowhere).
void report_secrets_to(SecretSink sink);

void report_secret(std::string_view value);

} // namespace pullcred::aws::sources
