// The credentials document that both the ECS / EKS Pod Identity container
// endpoint and EC2 instance metadata answer with:
//   {"Code": "Success", "AccessKeyId": ..., "SecretAccessKey": ..., "Token": ...,
//    "Expiration": "2026-12-07T12:00:00Z", ...}
// (Code only from IMDS; Token and Expiration absent for long-term keys.)
#pragma once

#include <pullcred/module.hpp>
#include <string_view>

namespace pullcred::aws::sources {

// The credentials, their secrets registered for redaction; a one-line
// reason (never quoting the body) when the document is malformed.
sdk::Result<sdk::Credentials> parse_metadata_credentials(std::string_view body);

// The `message` (or `Message`) of a JSON error body, printable and bounded;
// empty when there is none.
std::string metadata_error_message(std::string_view body);

} // namespace pullcred::aws::sources
