// Core speaks the SDK's one error vocabulary (pullcred/result.hpp): the same
// Result, Error and codes a module returns travel unchanged to kubelet.
#pragma once

#include <pullcred/result.hpp>

namespace pullcred {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Ok;
using sdk::ok;
using sdk::Result;
using sdk::Status;

} // namespace pullcred
