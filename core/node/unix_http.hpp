// A plain HTTP/1.1 client over an AF_UNIX stream socket: one request per
// connection (Connection: close), every wait bounded, the reply capped.
// Used for the Bottlerocket API (/run/api.sock); the core links no libcurl.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace pullcred::node {

struct HttpReply {
    int status = 0;
    std::string body;
};

inline constexpr std::size_t kHttpReplyCap = std::size_t{4} * 1024 * 1024;

// Errors read "<socket>: <reason>", without the request body.
Result<HttpReply> unix_http_request(const std::filesystem::path &socket, std::string_view method,
                                    std::string_view target, std::string_view body,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(30),
                                    std::size_t cap = kHttpReplyCap);

// A whole reply as read up to EOF: status line, headers, and a body framed by
// Content-Length, chunked transfer coding, or the end of the stream.
Result<HttpReply> parse_http_reply(std::string_view raw);

} // namespace pullcred::node
