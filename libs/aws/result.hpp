// The SDK's one error vocabulary, by its short names in the AWS library.
#pragma once

#include <pullcred/result.hpp>

namespace pullcred::aws {

using sdk::Error;
using sdk::ErrorCode;
using sdk::ok;
using sdk::Result;
using sdk::Status;

} // namespace pullcred::aws
