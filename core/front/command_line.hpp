// Which invocations the front may answer itself: exactly `get-credentials`,
// with at most one --config FILE / --config=FILE before or after it.
#pragma once

#include <optional>
#include <string>

namespace pullcred::front {

// The --config value ("" when absent); nullopt for anything else, which goes
// to the host: other commands or options, docker-credential-pullcred and
// aws_signing_helper by name.
std::optional<std::string> get_credentials_config(int argc, char **argv);

// stdin, up to one byte over the kubelet request cap (the host then refuses
// it as too long); nullopt when stdin cannot be read.
std::optional<std::string> read_request();

} // namespace pullcred::front
