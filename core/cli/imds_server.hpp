// The loopback HTTP/1.1 server in front of imds::Service (Boost.Beast on one
// Asio thread): bounded request size, header count, concurrent connections
// and read time; the hop limit as IP_TTL on every accepted socket; one log
// line per request, never a header value.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>

#include "cli/imds_service.hpp"
#include "util/result.hpp"

namespace pullcred::cli::imds {

struct ServerOptions {
    unsigned short port = 9911;
    int hop_limit = 64;
    std::size_t max_connections = 64;
    std::size_t max_header_bytes = 8192;
    std::size_t max_fields = 64;
    std::size_t max_body_bytes = 1024;
    std::chrono::seconds read_timeout{10};
};

// Listens on 127.0.0.1 and serves until SIGINT or SIGTERM; `listening` gets
// the bound port (the chosen one when `port` is 0). An error if it cannot listen.
Status serve(const ServerOptions &options, Service &service,
             const std::function<void(unsigned short)> &listening);

} // namespace pullcred::cli::imds
