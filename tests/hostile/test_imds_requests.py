"""Hostile HTTP requests to `pullcred signing-helper serve` (the IMDSv2
endpoint): each one gets an error answer or a closed connection, never a hang,
a crash or a sanitizer report, and the server keeps answering good requests.
One server runs for the whole file; it must still be running and its log free
of secrets and sanitizer reports at the end."""
import http.client
import pathlib
import re
import socket
import subprocess
import time

import pytest

from harness import FORBIDDEN, PULLCRED

TTL_HEADER = "x-aws-ec2-metadata-token-ttl-seconds"
TOKEN_HEADER = "x-aws-ec2-metadata-token"


@pytest.fixture(scope="module")
def server(node, keys, base_env, tmp_path_factory):
    case_dir = tmp_path_factory.mktemp("imds")
    config = node.config(case_dir)
    log_path = pathlib.Path(case_dir) / "serve.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([str(PULLCRED), "signing-helper", "serve", "--port", "0", "--profile", "keys",
                                    "--config", str(config)], stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                   env=base_env)
    deadline = time.monotonic() + 30
    port = None
    while port is None:
        found = re.search(r"on http://127\.0\.0\.1:(\d+)/", log_path.read_text(errors="replace"))
        if found:
            port = int(found.group(1))
        assert process.poll() is None, log_path.read_text()
        assert time.monotonic() < deadline, log_path.read_text()
        time.sleep(0.05)

    class Server:
        pass
    handle = Server()
    handle.port, handle.process, handle.log_path = port, process, log_path
    yield handle
    process.terminate()
    code = process.wait(timeout=15)
    text = log_path.read_text(errors="replace")
    assert code == 0, text
    for marker in FORBIDDEN:
        assert marker not in text, text
    assert keys["secretAccessKey"] not in text


def good_flow(server):
    """A token, the role, the credentials: the server still serves."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("PUT", "/latest/api/token", headers={TTL_HEADER: "60"})
    token = connection.getresponse().read().decode()
    connection.request("GET", "/latest/meta-data/iam/security-credentials/keys", headers={TOKEN_HEADER: token})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    assert response.status == 200 and b"AccessKeyId" in body


def raw(server, data, timeout=15):
    """Sends `data`, returns what came back until the server closed (or b"" on a reset)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        received = b""
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
        except ConnectionResetError:
            pass
        return received


def status_of(answer):
    found = re.match(rb"HTTP/1\.[01] (\d{3}) ", answer)
    return int(found.group(1)) if found else None


CASES = {
    "garbage": (b"\x00\xff\x16\x03\x01 not http at all\r\n\r\n", {400}),
    "tls-hello": (bytes.fromhex("160301002a0100002603035d") + b"\x00" * 40, {400}),
    "huge-header": (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n", {431}),
    "huge-target": (b"GET /" + b"b" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", {431}),
    "many-headers": (b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(100)) + b"\r\n", {431}),
    "huge-body": (b"PUT /latest/api/token HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n" + b"x" * 4096,
                  {413}),
    "chunked-flood": (b"PUT /latest/api/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                      b"400\r\n" + b"x" * 1024 + b"\r\n" + b"400\r\n" + b"x" * 1024 + b"\r\n0\r\n\r\n", {413}),
    "bad-chunk": (b"PUT /latest/api/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", {400}),
    "bad-content-length": (b"PUT /latest/api/token HTTP/1.1\r\nContent-Length: -5\r\n\r\n", {400}),
    "two-content-lengths": (b"PUT /latest/api/token HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
                            {400}),
    "bad-version": (b"GET / HTTP/9.9\r\n\r\n", {400}),
    "bare-lf-and-nul": (b"GET /lat\x00est HTTP/1.1\nHost: x\n\n", {400}),
    "token-header-huge": (b"GET /latest/meta-data/iam/security-credentials/ HTTP/1.1\r\nx-aws-ec2-metadata-token: "
                          + b"t" * 7000 + b"\r\nConnection: close\r\n\r\n", {401}),
    "ttl-overflow": (b"PUT /latest/api/token HTTP/1.1\r\nx-aws-ec2-metadata-token-ttl-seconds: "
                     b"99999999999999999999999\r\nConnection: close\r\n\r\n", {400}),
    "traversal": (b"GET /latest/meta-data/iam/security-credentials/../../api/token HTTP/1.1\r\n"
                  b"Connection: close\r\n\r\n", {404}),
    "unknown-method": (b"BREW /latest/api/token HTTP/1.1\r\nConnection: close\r\n\r\n", {400, 405}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_request_gets_an_error_and_the_server_stays_up(server, name):
    data, statuses = CASES[name]
    started = time.monotonic()
    answer = raw(server, data)
    assert time.monotonic() - started < 12
    assert status_of(answer) in statuses, answer[:200]
    assert server.process.poll() is None
    good_flow(server)


def test_a_silent_client_is_dropped_after_the_read_timeout_and_does_not_block_others(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as silent:
        silent.sendall(b"GET /latest/meta-data/ HTTP/1.1\r\n")  # never finished
        good_flow(server)  # served meanwhile
        started = time.monotonic()
        assert silent.recv(100) == b""  # closed by the server
        assert time.monotonic() - started < 15
    deadline = time.monotonic() + 5  # the timer closes the socket, then the server logs why
    while "read timed out" not in server.log_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "read timed out" in server.log_path.read_text()


def test_connections_beyond_the_limit_are_closed_and_later_ones_served(server):
    held = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(80)]
    try:
        time.sleep(0.5)
        closed = 0
        for sock in held:
            sock.setblocking(False)
            try:
                if sock.recv(1) == b"":
                    closed += 1
            except BlockingIOError:
                pass
            except ConnectionResetError:
                closed += 1
        assert closed >= 80 - 64
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.3)
    good_flow(server)
    assert "connections open; a new one is closed" in server.log_path.read_text()


def test_many_tokens_stay_bounded_and_work(server):
    tokens = []
    for _ in range(300):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.request("PUT", "/latest/api/token", headers={TTL_HEADER: "21600"})
        tokens.append(connection.getresponse().read().decode())
        connection.close()
    assert len(set(tokens)) == 300
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", "/latest/meta-data/iam/security-credentials/", headers={TOKEN_HEADER: tokens[-1]})
    assert connection.getresponse().status == 200
    connection.close()
