"""HTTP plumbing: a threading server that speaks TLS (and plain HTTP, told
apart by the first byte), turns each request into a services.base.Request
and writes the App's Response, including the broken ones faults ask for."""

import logging
import socket
import ssl
import struct
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .services.base import Request

log = logging.getLogger("emulator")
TLS_HANDSHAKE = b"\x16"
SOCKET_TIMEOUT = 60


def make_tls_context(cert_file, key_file):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    context.set_alpn_protocols(["http/1.1"])
    return context


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 512

    def __init__(self, address, app, tls_context, allow_plain_http=True):
        self.app = app
        self.tls_context = tls_context
        self.allow_plain_http = allow_plain_http
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, Handler)

    def finish_request(self, request, client_address):
        """Runs in the connection's own thread, so a slow TLS handshake never blocks accept()."""
        request.settimeout(SOCKET_TIMEOUT)
        # http.server writes the headers and the body apart: without this, the
        # body waits for the client's delayed ACK (40 ms a call).
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            tls = request.recv(1, socket.MSG_PEEK) == TLS_HANDSHAKE
        except OSError:
            return
        if tls:
            try:
                request = self.tls_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as error:
                log.info("TLS handshake with %s failed: %s", client_address[0], error)
                return
        elif not self.allow_plain_http:
            log.info("plain HTTP from %s refused", client_address[0])
            return
        try:
            Handler(request, client_address, self)
        finally:
            if tls:
                request.close()

    def handle_error(self, request, client_address):
        log.exception("error while serving %s", client_address[0])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def version_string(self):
        return "pullcred-aws-emulator"

    def log_message(self, format, *args):  # noqa: A002 - http.server's signature
        """Quiet: the App logs one line per call (request lines may carry tokens)."""

    def _serve(self):
        try:
            body = self._read_body()
        except ValueError as error:
            self.send_error(400, str(error))
            return
        url = urlsplit(self.path)
        host = self.headers.get("Host") or "%s:%d" % self.server.server_address[:2]
        request = Request(self.command, url.path or "/", url.query, list(self.headers.items()), body, host)
        response = self.server.app.dispatch(request)
        self._write(response)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        if not length.isdigit():
            raise ValueError("bad Content-Length")
        return self.rfile.read(int(length))

    def _write(self, response):
        if response.abort == "reset":
            # SO_LINGER 0: close() sends a TCP RST, the client gets no answer at all.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value.replace("\r", " ").replace("\n", "\\n"))
        if response.abort == "truncate":
            self.send_header("Connection", "close")
        self.end_headers()
        if response.abort == "truncate":
            self.wfile.write(response.body[: len(response.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(response.body)
