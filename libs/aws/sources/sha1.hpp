// SHA-1 (FIPS 180-4), only to name AWS SSO token cache files as the AWS CLI
// does (never for security); the host binary links no crypto library.
#pragma once

#include <string>
#include <string_view>

namespace pullcred::aws::sources {

// Lower-case hex SHA-1 of `data`.
std::string sha1_hex(std::string_view data);

} // namespace pullcred::aws::sources
