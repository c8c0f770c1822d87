// The AWS shared credentials file as `aws_signing_helper update` writes it:
// one profile's keys replaced (or its section added), every other line kept.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "cli/credential_selection.hpp"
#include "util/result.hpp"

namespace pullcred::cli {

// `text` with the keys of section [profile] set to `keys`.
std::string with_profile_keys(std::string_view text, const std::string &profile, const AwsKeys &keys);

// $AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials.
Result<std::filesystem::path> credentials_file_path();

// Rewrites the file atomically (a 0600 temporary file in its directory,
// renamed over it), keeping its owner; creates it and its directory if needed.
Status update_credentials_file(const std::filesystem::path &path, const std::string &profile,
                               const AwsKeys &keys);

} // namespace pullcred::cli
