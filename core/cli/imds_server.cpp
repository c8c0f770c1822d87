#include "cli/imds_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/unicast.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <csignal>
#include <memory>
#include <optional>
#include <string>

#include "log/logger.hpp"

namespace pullcred::cli::imds {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

// Printable ASCII only, at most 120 characters: request targets are untrusted.
std::string shown(std::string_view text) {
    constexpr std::size_t kMax = 120;
    std::string out;
    for (char c : text.substr(0, kMax)) out += (c >= 0x21 && c <= 0x7e) ? c : '?';
    if (text.size() > kMax) out += "...";
    return out;
}

class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(tcp::socket socket, const ServerOptions &options, Service &service, std::size_t &open)
        : stream_(std::move(socket)), options_(options), service_(service), open_(open),
          buffer_(options.max_header_bytes + options.max_body_bytes) {
        ++open_;
        boost::system::error_code ignored;
        peer_ = stream_.socket().remote_endpoint(ignored).address().to_string(ignored);
    }
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;
    ~Connection() { --open_; }

    void read() {
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
        parser_->body_limit(options_.max_body_bytes);
        stream_.expires_after(options_.read_timeout);
        http::async_read(
            stream_, buffer_, *parser_,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

private:
    void on_read(beast::error_code ec) {
        if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
            ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
            if (ec == beast::error::timeout)
                log::info("imds: " + peer_ + " read timed out; connection closed");
            return close();
        }
        if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
            return refuse(http::status::request_header_fields_too_large, "request header too large",
                          ec.message());
        if (ec == http::error::body_limit)
            return refuse(http::status::payload_too_large, "request body too large", ec.message());
        if (ec) return refuse(http::status::bad_request, "malformed request", ec.message());
        const auto &request = parser_->get();
        if (static_cast<std::size_t>(std::distance(request.begin(), request.end())) > options_.max_fields)
            return refuse(http::status::request_header_fields_too_large, "too many header fields",
                          "more than " + std::to_string(options_.max_fields) + " header fields");
        auto response = service_.answer(request);
        log::info("imds: " + peer_ + " " + std::string(request.method_string()) + " " +
                  shown(std::string_view(request.target().data(), request.target().size())) + " " +
                  std::to_string(response.result_int()));
        write(std::move(response));
    }

    void refuse(http::status status, const std::string &body, const std::string &reason) {
        log::info("imds: " + peer_ + " refused (" + reason + ") " + std::to_string(static_cast<int>(status)));
        Response response{status, 11};
        response.set(http::field::server, "pullcred");
        response.set(http::field::content_type, "text/plain");
        response.keep_alive(false);
        response.body() = body;
        response.prepare_payload();
        write(std::move(response));
    }

    void write(Response response) {
        response_ = std::make_shared<Response>(std::move(response));
        stream_.expires_after(options_.read_timeout);
        http::async_write(stream_, *response_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec || !self->response_->keep_alive()) return self->close();
                              self->read();
                          });
    }

    void close() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream_.close();
    }

    beast::tcp_stream stream_;
    const ServerOptions &options_;
    Service &service_;
    std::size_t &open_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::shared_ptr<Response> response_;
    std::string peer_;
};

class Listener {
public:
    // `open` counts the open connections and outlives `io`, whose handlers hold them.
    Listener(asio::io_context &io, const ServerOptions &options, Service &service, std::size_t &open)
        : acceptor_(io), options_(options), service_(service), open_(open) {}

    Status listen() {
        beast::error_code ec;
        const tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), options_.port);
        acceptor_.open(endpoint.protocol(), ec);
        if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
        // On the listener too, so that the handshake's SYN-ACK carries it.
        if (!ec) acceptor_.set_option(asio::ip::unicast::hops(options_.hop_limit), ec);
        if (!ec) acceptor_.bind(endpoint, ec);
        if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
        if (ec)
            return Error::failed("cannot listen on 127.0.0.1:" + std::to_string(options_.port) + ": " +
                                 ec.message() + "; stop what uses the port or give --port");
        return ok();
    }

    [[nodiscard]] unsigned short port() const { return acceptor_.local_endpoint().port(); }

    void accept() {
        acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
            if (ec == asio::error::operation_aborted) return;
            if (!ec) start(std::move(socket));
            accept();
        });
    }

    void stop() {
        beast::error_code ignored;
        acceptor_.close(ignored);
    }

private:
    void start(tcp::socket socket) {
        beast::error_code ec;
        socket.set_option(asio::ip::unicast::hops(options_.hop_limit), ec);
        if (ec) {
            log::warn("imds: cannot set the hop limit on a connection (" + ec.message() + "); it is closed");
            return;
        }
        if (open_ >= options_.max_connections) {
            log::info("imds: more than " + std::to_string(options_.max_connections) +
                      " connections open; a new one is closed");
            socket.close(ec);
            return;
        }
        std::make_shared<Connection>(std::move(socket), options_, service_, open_)->read();
    }

    tcp::acceptor acceptor_;
    const ServerOptions &options_;
    Service &service_;
    std::size_t &open_;
};

} // namespace

Status serve(const ServerOptions &options, Service &service,
             const std::function<void(unsigned short)> &listening) {
    std::size_t open = 0;
    asio::io_context io(1);
    Listener listener(io, options, service, open);
    if (auto listened = listener.listen(); !listened) return listened;
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](beast::error_code, int) {
        listener.stop();
        io.stop();
    });
    listening(listener.port());
    listener.accept();
    io.run();
    return ok();
}

} // namespace pullcred::cli::imds
