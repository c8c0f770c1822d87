#include "node/unix_http.hpp"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <charconv>
#include <optional>

#include "util/unique_fd.hpp"

namespace pullcred::node {

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    for (auto &c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
        text.remove_suffix(1);
    return text;
}

Result<std::string> dechunk(std::string_view data) {
    std::string body;
    while (true) {
        const auto eol = data.find("\r\n");
        if (eol == std::string_view::npos) return Error::failed("truncated chunked body");
        auto size_text = trim(data.substr(0, data.find_first_of(";\r")));
        std::size_t size = 0;
        const auto *end = size_text.data() + size_text.size();
        auto [ptr, ec] = std::from_chars(size_text.data(), end, size, 16);
        if (ec != std::errc() || ptr != end || size_text.empty()) return Error::failed("bad chunk size");
        data.remove_prefix(eol + 2);
        if (size == 0) return body;
        if (size > data.size() || data.size() - size < 2) return Error::failed("truncated chunked body");
        body.append(data.substr(0, size));
        data.remove_prefix(size + 2);
    }
}

} // namespace

Result<HttpReply> parse_http_reply(std::string_view raw) {
    const auto head_end = raw.find("\r\n\r\n");
    if (head_end == std::string_view::npos) return Error::failed("malformed HTTP reply (no end of headers)");
    auto head = raw.substr(0, head_end);
    auto body = raw.substr(head_end + 4);
    const auto line_end = head.find("\r\n");
    const auto status_line = head.substr(0, line_end);
    if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12 || status_line[8] != ' ')
        return Error::failed("malformed HTTP reply (status line)");
    HttpReply reply;
    const auto code = status_line.substr(9, 3);
    auto [ptr, ec] = std::from_chars(code.data(), code.data() + code.size(), reply.status);
    if (ec != std::errc() || ptr != code.data() + code.size() || reply.status < 100 || reply.status > 599)
        return Error::failed("malformed HTTP reply (status code)");
    bool chunked = false;
    std::optional<std::size_t> length;
    auto headers = line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);
    while (!headers.empty()) {
        const auto eol = headers.find("\r\n");
        const auto header = headers.substr(0, eol);
        headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
        const auto colon = header.find(':');
        if (colon == std::string_view::npos) return Error::failed("malformed HTTP reply (header line)");
        const auto name = lower(trim(header.substr(0, colon)));
        const auto value = trim(header.substr(colon + 1));
        if (name == "transfer-encoding" && lower(value).find("chunked") != std::string::npos) chunked = true;
        if (name == "content-length") {
            std::size_t parsed = 0;
            auto [p, e] = std::from_chars(value.data(), value.data() + value.size(), parsed);
            if (e != std::errc() || p != value.data() + value.size())
                return Error::failed("malformed HTTP reply (Content-Length)");
            length = parsed;
        }
    }
    if (chunked) {
        auto decoded = dechunk(body);
        if (!decoded) return Error::failed("malformed HTTP reply (" + decoded.error().message + ")");
        reply.body = std::move(*decoded);
    } else if (length) {
        if (body.size() < *length)
            return Error::failed("truncated HTTP reply (shorter than its Content-Length)");
        reply.body = std::string(body.substr(0, *length));
    } else {
        reply.body = std::string(body);
    }
    return reply;
}

Result<HttpReply> unix_http_request(const std::filesystem::path &socket, std::string_view method,
                                    std::string_view target, std::string_view body,
                                    std::chrono::milliseconds timeout, std::size_t cap) {
    const auto where = socket.string() + ": ";
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (socket.native().size() >= sizeof address.sun_path)
        return Error::failed(where + "socket path too long for AF_UNIX");
    std::memcpy(address.sun_path, socket.c_str(), socket.native().size());
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (fd.get() < 0) return Error::failed(where + "socket: " + std::strerror(errno));
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto wait_for = [&](short events) -> Status {
        while (true) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                return Error::failed(where + "no reply within " + std::to_string(timeout.count()) + " ms");
            pollfd entry{fd.get(), events, 0};
            const int ready = ::poll(&entry, 1, static_cast<int>(left.count()));
            if (ready > 0) return ok();
            if (ready < 0 && errno != EINTR) return Error::failed(where + "poll: " + std::strerror(errno));
        }
    };
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
    if (::connect(fd.get(), reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0) {
        if (errno != EINPROGRESS && errno != EAGAIN)
            return Error::failed(where + "connect: " + std::strerror(errno));
        if (auto ready = wait_for(POLLOUT); !ready) return ready.error();
        int error = 0;
        socklen_t size = sizeof error;
        ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &size);
        if (error != 0) return Error::failed(where + "connect: " + std::strerror(error));
    }
    std::string request = std::string(method) + " " + std::string(target) +
                          " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n";
    if (!body.empty() || method == "PATCH" || method == "POST")
        request +=
            "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    request += "\r\n";
    request += body;
    std::string_view pending = request;
    while (!pending.empty()) {
        if (auto ready = wait_for(POLLOUT); !ready) return ready.error();
        const auto sent = ::send(fd.get(), pending.data(), pending.size(), MSG_NOSIGNAL);
        if (sent < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return Error::failed(where + "send: " + std::strerror(errno));
        }
        pending.remove_prefix(static_cast<std::size_t>(sent));
    }
    std::string raw;
    char buffer[16384];
    while (true) {
        if (auto ready = wait_for(POLLIN); !ready) return ready.error();
        const auto got = ::recv(fd.get(), buffer, sizeof buffer, 0);
        if (got < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return Error::failed(where + "recv: " + std::strerror(errno));
        }
        if (got == 0) break;
        raw.append(buffer, static_cast<std::size_t>(got));
        if (raw.size() > cap)
            return Error::failed(where + "reply larger than " + std::to_string(cap) + " bytes");
    }
    auto reply = parse_http_reply(raw);
    if (!reply) return Error::failed(where + reply.error().message);
    return reply;
}

} // namespace pullcred::node
