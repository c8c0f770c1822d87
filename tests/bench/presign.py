"""Pre-signed request bytes for tls_fetch.c, signed by the emulator's own reference signers
(botocore's SigV4Auth; test_emulator's SigV4-X509 signer for Roles Anywhere), so the emulator
verifies them exactly as it verifies pullcred's. The emulator checks a signature's time against a
skew window (no nonce, no replay check), so one signed request is accepted again and again for
minutes: sign right before timing."""
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "emulator"))
import test_emulator  # noqa: E402  (its signers: the emulator's reference for pullcred's)

REGION = "us-west-2"


def raw_request(emulator, path, headers, body):
    """HTTP/1.1 request bytes, as a client puts them on the wire."""
    lines = [f"POST {path} HTTP/1.1"]
    names = {name.lower() for name in headers}
    if "host" not in names:
        lines.append(f"Host: 127.0.0.1:{emulator.port}")
    lines += [f"{name}: {value}" for name, value in headers.items() if name.lower() != "content-length"]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def ecr_request(emulator, credentials):
    """One SigV4-signed ECR GetAuthorizationToken, signed with `credentials` (static or session)."""
    body = b"{}"
    headers = test_emulator.sigv4_headers(emulator, "ecr", REGION, body, dict(test_emulator.ECR_HEADERS),
                                          creds=credentials)
    return raw_request(emulator, "/", headers, body)


def create_session_request(emulator, client="ec-p256"):
    """One SigV4-X509-signed Roles Anywhere CreateSession with the pki client's combined PEM."""
    path, headers, body = test_emulator.create_session_request(emulator, client)
    return raw_request(emulator, path, headers, body)


def session_credentials(emulator, client="ec-p256"):
    """Working session credentials from one real CreateSession (for the second exchange)."""
    status, _, document = test_emulator.create_session(emulator, client)
    if status != 201:
        raise RuntimeError(f"CreateSession answered {status}, not 201 (see the emulator's log)")
    return test_emulator.session_credentials(document)
