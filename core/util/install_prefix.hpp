// The install prefix pullcred runs from, the same whether the running file
// is the front (<prefix>/bin/pullcred) or the host executable
// (<prefix>/<private lib dir>/pullcred-host); the build tree has the same layout.
#pragma once

#include <filesystem>

namespace pullcred {

inline constexpr std::string_view kHostExecutableName = "pullcred-host";
// `pullcred node`, beside pullcred-host: the only executable with the node installer.
inline constexpr std::string_view kNodeExecutableName = "pullcred-node";

// The prefix of `executable`: its directory minus the private lib dir when it
// lies there, else the parent of its directory (bin/).
std::filesystem::path install_prefix_of(const std::filesystem::path &executable);

// install_prefix_of(the running executable); empty when it cannot be found.
std::filesystem::path install_prefix();

// <prefix>/<private lib dir>/pullcred-host.
std::filesystem::path host_executable();

} // namespace pullcred
