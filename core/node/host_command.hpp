// Running a command on the node itself from the installer's pod: in the
// namespaces of the node's PID 1 (the pod runs with hostPID): mount, UTS, IPC, network and PID namespaces
// (the pod runs with hostPID), joined with setns(2) so that the image needs no nsenter and no shell.
#pragma once

#include <string>
#include <vector>

#include "util/result.hpp"

namespace pullcred::node {

// Runs argv (no shell; found through PATH as seen on the host) in the
// namespaces of process `host_pid`, joining only those that differ from
// ours, and waits; an error naming the command when it cannot run or fails.
Status run_on_host(const std::vector<std::string> &argv, int host_pid);

} // namespace pullcred::node
