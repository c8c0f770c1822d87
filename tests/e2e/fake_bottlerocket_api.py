"""A fake Bottlerocket API on a unix socket, for `pullcred node install` tests.

Serves GET /settings, PATCH /settings[?tx=T] (merged into transaction T),
POST /tx/commit_and_apply[?tx=T] (T merged into the live settings), and
records every request. `fail[(method, path)] = status` answers that status;
`fail[(method, path)] = "malformed"` answers 200 with a body that is not JSON.
"""
import copy
import json
import socketserver
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler


def merge(into, patch):
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class FakeBottlerocketApi:
    def __init__(self, socket_path, settings=None):
        self.socket_path = str(socket_path)
        self.settings = copy.deepcopy(settings or {})
        self.pending = {}
        self.requests = []
        self.fail = {}
        self.lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def address_string(self):
                return "unix"

            def reply(self, status, body):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data)
                self.close_connection = True

            def handle_any(self):
                url = urllib.parse.urlsplit(self.path)
                tx = urllib.parse.parse_qs(url.query).get("tx", ["default"])[0]
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                with api.lock:
                    api.requests.append({"method": self.command, "path": url.path, "tx": tx, "body": body})
                    failure = api.fail.get((self.command, url.path))
                    if failure == "malformed":
                        return self.reply(200, "{not json")
                    if failure:
                        return self.reply(failure, json.dumps({"error": "injected"}))
                    if self.command == "GET" and url.path == "/settings":
                        return self.reply(200, json.dumps(api.settings))
                    if self.command == "PATCH" and url.path == "/settings":
                        try:
                            patch = json.loads(body)
                        except ValueError:
                            return self.reply(400, '"bad json"')
                        if not isinstance(patch, dict):
                            return self.reply(400, '"not an object"')
                        merge(api.pending.setdefault(tx, {}), patch)
                        return self.reply(204, "")
                    if self.command == "POST" and url.path == "/tx/commit_and_apply":
                        merge(api.settings, api.pending.pop(tx, {}))
                        return self.reply(200, "[]")
                    return self.reply(404, '"not found"')

            do_GET = do_PATCH = do_POST = handle_any

        self.server = _Server(self.socket_path, Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def patches(self):
        with self.lock:
            return [json.loads(r["body"]) for r in self.requests if r["method"] == "PATCH"]

    def snapshot(self):
        with self.lock:
            return copy.deepcopy(self.settings)
