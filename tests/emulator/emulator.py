#!/usr/bin/python3
"""Local HTTPS emulator of ECR, ECR Public, IAM Roles Anywhere and STS, plus
the SSO portal, the container credentials endpoint and EC2 instance metadata
on listeners of their own.

    /usr/bin/python3 tests/emulator/emulator.py --state-dir DIR [--port 0] [--pki DIR]

Listens on 127.0.0.1, writes DIR/port, DIR/url, DIR/info.json and then
DIR/ready, and runs until SIGTERM. See README.md.
"""

import argparse
import json
import logging
import os
import signal
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cryptography.hazmat.primitives import serialization  # noqa: E402

import pki  # noqa: E402
from awsemu.app import App, EmulatorState, credential_listeners  # noqa: E402
from awsemu.server import EmulatorHTTPServer, make_tls_context  # noqa: E402
from awsemu.state import DEFAULT_STATIC_CREDENTIALS, load_accounts_file  # noqa: E402
from awsemu.x509_verify import load_pem_certificates  # noqa: E402

log = logging.getLogger("emulator")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--state-dir", required=True, help="where port, url, info.json and ready are written")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: any free port)")
    parser.add_argument("--pki", help="test PKI directory (generated there if it has no manifest.json; "
                                      "default STATE_DIR/pki)")
    parser.add_argument("--tls-cert", help="server certificate PEM (default: the PKI's server.pem)")
    parser.add_argument("--tls-key", help="server key PEM (default: the PKI's server.key)")
    parser.add_argument("--trust-anchor", action="append", default=[],
                        help="Roles Anywhere trust anchor CA PEM; repeatable (default: the PKI's ca.pem)")
    parser.add_argument("--accounts", help="JSON list of {accessKeyId, secretAccessKey, account} "
                                           "(replaces the default static credentials)")
    parser.add_argument("--jwt-public-key", action="append", default=[],
                        help="web identity issuer public key PEM; repeatable (default: the PKI's)")
    parser.add_argument("--jwt-issuer", help="accepted web identity issuer (default: the PKI's)")
    parser.add_argument("--no-plain-http", action="store_true", help="refuse plain HTTP on the port")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def _read(path):
    with open(path, "rb") as handle:
        return handle.read()


def _write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def build_state(args, manifest):
    anchor_files = args.trust_anchor or manifest["trust_anchors"]
    anchors = [cert for path in anchor_files for cert in load_pem_certificates(_read(path))]
    key_files = args.jwt_public_key or [manifest["jwt"]["public_key"]]
    jwt_keys = [serialization.load_pem_public_key(_read(path)) for path in key_files]
    credentials = load_accounts_file(args.accounts) if args.accounts else DEFAULT_STATIC_CREDENTIALS
    return EmulatorState(credentials, anchors, jwt_keys, args.jwt_issuer or manifest["jwt"]["issuer"])


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=args.log_level.upper(),
                        format="%(asctime)s emulator[%(process)d] %(levelname)s %(message)s")
    state_dir = os.path.abspath(args.state_dir)
    os.makedirs(state_dir, exist_ok=True)
    for name in ("ready", "port", "url", "info.json"):
        if os.path.exists(os.path.join(state_dir, name)):
            os.unlink(os.path.join(state_dir, name))

    pki_dir = os.path.abspath(args.pki or os.path.join(state_dir, "pki"))
    manifest = pki.ensure(pki_dir)
    tls_cert = args.tls_cert or manifest["server"]["cert"]
    tls_key = args.tls_key or manifest["server"]["key"]
    app = App(build_state(args, manifest))
    server = EmulatorHTTPServer((args.host, args.port), app, make_tls_context(tls_cert, tls_key),
                                allow_plain_http=not args.no_plain_http)
    port = server.server_address[1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"https://{host}:{port}"
    # The SSO portal speaks TLS (plain HTTP too); container and IMDS are plain HTTP, as the real ones.
    extra = {name: EmulatorHTTPServer((args.host, 0), listener, make_tls_context(tls_cert, tls_key))
             for name, listener in credential_listeners(app).items()}
    extra_urls = {f"{name}_url": f"{'https' if name == 'sso' else 'http'}://{host}:{extra_server.server_address[1]}"
                  for name, extra_server in extra.items()}
    for extra_server in extra.values():
        threading.Thread(target=extra_server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()

    def stop(signum, _frame):
        log.info("signal %d: stopping", signum)
        threading.Thread(target=server.shutdown, daemon=True).start()
        for extra_server in extra.values():
            threading.Thread(target=extra_server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    info = {"port": port, "url": url, "pid": os.getpid(), "pki_dir": pki_dir,
            "manifest": os.path.join(pki_dir, pki.MANIFEST), "ca_bundle": manifest["ca"]["cert"],
            "tls_cert": tls_cert, **extra_urls}
    _write_atomic(os.path.join(state_dir, "info.json"), json.dumps(info, indent=2) + "\n")
    _write_atomic(os.path.join(state_dir, "port"), f"{port}\n")
    _write_atomic(os.path.join(state_dir, "url"), f"{url}\n")
    _write_atomic(os.path.join(state_dir, "ready"), f"{os.getpid()}\n")
    log.info("listening on %s (state %s)", url, state_dir)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        try:
            os.unlink(os.path.join(state_dir, "ready"))
        except FileNotFoundError:
            pass
        log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
