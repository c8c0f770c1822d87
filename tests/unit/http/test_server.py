#!/usr/bin/python3
"""Scripted HTTP(S) server and forward proxy for the HTTP client tests.

Usage: test_server.py WORKDIR

Writes a throwaway CA (ca.pem), an unrelated CA (other-ca.pem) and a server
certificate for 127.0.0.1/localhost into WORKDIR, then serves on 127.0.0.1:
  https  TLS with that certificate
  http   plain HTTP (same behaviours)
  proxy  a plain-HTTP forward proxy: absolute-form requests, to which it
         adds "X-Test-Proxy: seen", and CONNECT tunnels, which it counts
         under the key "proxy-connect"
and prints one JSON line {"https": port, "http": port, "proxy": port}.
It exits when its stdin closes.

Behaviours: /seq/<key>/<step>,<step>,... answers the n-th request for <key>
with the n-th step (the last one repeats). Every answer carries
"X-Attempt: <n>". Steps:
  <code>       that HTTP status, body {"attempt": n, "status": code}
  throttle     400, JSON {"__type": "...#ThrottlingException"}
  throttlexml  400, XML <Code>Throttling</Code> (the AWS query protocol)
  throttlehdr  400, X-Amzn-ErrorType: ThrottlingException:...
  retryafterN  429 TooManyRequestsException with Retry-After: N (seconds)
  retryafterdateN  503 with Retry-After: the HTTP date N seconds from now
  invalid      400, JSON ValidationException
  redirect     302 to /seq/<key>-target/200
  reset        closes the connection with a TCP RST, no answer
  delay<ms>    waits <ms>, then 200
  huge         200 with a 5 MiB body and its Content-Length
  hugestream   200 with a 5 MiB body and no Content-Length
  echo         200, JSON of the request: method, path, headers, body
/count/<key> answers the number of requests seen for <key>.
"""

import datetime
import email.utils
import http.client
import http.server
import ipaddress
import json
import os
import select
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HUGE = 5 * 1024 * 1024

counts = {}
counts_lock = threading.Lock()


def next_count(key):
    with counts_lock:
        counts[key] = counts.get(key, 0) + 1
        return counts[key]


def write_pem(path, data):
    with open(path, "wb") as f:
        f.write(data)


def make_ca(name):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False),
            critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_server_cert(ca_key, ca_cert):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def make_pki(workdir):
    ca_key, ca_cert = make_ca("pullcred test CA")
    _, other_cert = make_ca("pullcred unrelated CA")
    key, cert = make_server_cert(ca_key, ca_cert)
    pem = serialization.Encoding.PEM
    write_pem(os.path.join(workdir, "ca.pem"), ca_cert.public_bytes(pem))
    write_pem(os.path.join(workdir, "other-ca.pem"), other_cert.public_bytes(pem))
    write_pem(os.path.join(workdir, "server-cert.pem"), cert.public_bytes(pem))
    write_pem(os.path.join(workdir, "server-key.pem"), key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


class Quiet:
    def log_message(self, *args):  # noqa: D401 - silence the default access log
        pass


class ScriptedHandler(Quiet, http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def answer(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        body = self.read_body()
        parts = urllib.parse.urlsplit(self.path).path.split("/")
        if len(parts) == 3 and parts[1] == "count":
            with counts_lock:
                n = counts.get(parts[2], 0)
            self.answer(200, str(n).encode())
            return
        if len(parts) != 4 or parts[1] != "seq":
            self.answer(404, b"unknown path")
            return
        key, steps = parts[2], parts[3].split(",")
        n = next_count(key)
        step = steps[min(n, len(steps)) - 1]
        attempt = [("X-Attempt", str(n))]
        json_type = [("Content-Type", "application/x-amz-json-1.1")]
        if step.isdigit():
            self.answer(int(step), json.dumps({"attempt": n, "status": int(step)}).encode(), attempt)
        elif step == "throttle":
            self.answer(400, b'{"__type":"com.amazonaws.ecr#ThrottlingException","message":"Rate exceeded"}',
                        attempt + json_type)
        elif step == "throttlexml":
            self.answer(400, b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                             b"<Message>Rate exceeded</Message></Error></ErrorResponse>",
                        attempt + [("Content-Type", "text/xml")])
        elif step == "throttlehdr":
            self.answer(400, b"{}", attempt + json_type + [
                ("X-Amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral/")])
        elif step.startswith("retryafterdate"):
            when = email.utils.formatdate(time.time() + int(step[14:]), usegmt=True)
            self.answer(503, b'{"message":"unavailable"}', attempt + json_type + [("Retry-After", when)])
        elif step.startswith("retryafter"):
            self.answer(429, b'{"__type":"TooManyRequestsException","message":"slow down"}',
                        attempt + json_type + [("Retry-After", step[10:])])
        elif step == "invalid":
            self.answer(400, b'{"__type":"ValidationException","message":"bad"}', attempt + json_type)
        elif step == "redirect":
            self.answer(302, b"", attempt + [("Location", "/seq/%s-target/200" % key)])
        elif step == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            try:
                self.connection.close()
            except OSError:
                pass
        elif step.startswith("delay"):
            time.sleep(int(step[5:]) / 1000.0)
            self.answer(200, json.dumps({"attempt": n}).encode(), attempt)
        elif step == "huge":
            self.answer(200, b"x" * HUGE, attempt)
        elif step == "hugestream":
            self.send_response(200)
            for name, value in attempt:
                self.send_header(name, value)
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"y" * 65536
            try:
                for _ in range(HUGE // len(chunk) + 1):
                    self.wfile.write(chunk)
            except OSError:
                pass
            self.close_connection = True
        elif step == "echo":
            echo = {
                "method": self.command,
                "path": self.path,
                "headers": [[k, v] for k, v in self.headers.items()],
                "body": body.decode("latin-1"),
            }
            self.answer(200, json.dumps(echo).encode(), attempt + [("Content-Type", "application/json")])
        else:
            self.answer(500, b"unknown step " + step.encode())

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any


class ProxyHandler(Quiet, http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def relay(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        target = urllib.parse.urlsplit(self.path)
        if target.scheme != "http" or not target.hostname:
            self.send_response(400)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("proxy-connection", "proxy-authorization", "connection")}
        path = target.path + ("?" + target.query if target.query else "")
        upstream = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=30)
        try:
            upstream.request(self.command, path, body=body, headers=headers)
            reply = upstream.getresponse()
            data = reply.read()
        except OSError as error:
            message = str(error).encode()
            self.send_response(502)
            self.send_header("Content-Length", str(len(message)))
            self.end_headers()
            self.wfile.write(message)
            return
        finally:
            upstream.close()
        self.send_response(reply.status)
        for name, value in reply.getheaders():
            if name.lower() not in ("content-length", "connection", "transfer-encoding", "server", "date"):
                self.send_header(name, value)
        self.send_header("X-Test-Proxy", "seen")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = relay

    def do_CONNECT(self):
        host, _, port = self.path.rpartition(":")
        next_count("proxy-connect")
        try:
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
        except (OSError, ValueError):
            self.send_response(502)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        self.close_connection = True
        ends = [self.connection, upstream]
        try:
            while True:
                readable, _, _ = select.select(ends, [], [], 30)
                if not readable:
                    return
                for end in readable:
                    data = end.recv(65536)
                    if not data:
                        return
                    (upstream if end is self.connection else self.connection).sendall(data)
        except OSError:
            return
        finally:
            upstream.close()


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # clients that hang up early (body cap, timeouts) are expected


class TlsServer(Server):
    """Does the TLS handshake in the request's thread, not in accept()."""

    def __init__(self, address, handler, context):
        super().__init__(address, handler)
        self.context = context

    def finish_request(self, request, client_address):
        try:
            request.settimeout(10)
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return  # the client refused our certificate, or went away
        try:
            super().finish_request(tls, client_address)
        finally:
            try:
                tls.close()
            except OSError:
                pass


def serve(server):
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def main():
    workdir = sys.argv[1]
    make_pki(workdir)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.path.join(workdir, "server-cert.pem"), os.path.join(workdir, "server-key.pem"))
    ports = {
        "https": serve(TlsServer(("127.0.0.1", 0), ScriptedHandler, context)),
        "http": serve(Server(("127.0.0.1", 0), ScriptedHandler)),
        "proxy": serve(Server(("127.0.0.1", 0), ProxyHandler)),
    }
    sys.stdout.write(json.dumps(ports) + "\n")
    sys.stdout.flush()
    sys.stdin.read()  # until the test closes its end (or dies)
    os._exit(0)


if __name__ == "__main__":
    main()
