"""SigV4 verification with botocore's signer, not ours.

The request is rebuilt from what arrived (method, Host, path, query, the
headers the client listed in SignedHeaders, body) and botocore's
`SigV4Auth` recomputes the canonical request, string to sign and signature
at the request's own X-Amz-Date. Roles Anywhere (SigV4-X509) uses the same
canonical request.
"""

import datetime
import hashlib
import hmac
from urllib.parse import unquote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

from .common import REGION_RE, amz_date, parse_amz_date

HMAC_ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"


class AuthError(Exception):
    """Why a request's authentication was refused. Services map `kind` to
    their own error codes: missing, incomplete, unknown_key, invalid_token,
    expired_token, bad_signature, signature_expired."""

    def __init__(self, kind, message, detail=None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.detail = detail


class Authorization:
    """The parts of `<ALGORITHM> Credential=<id>/<date>/<region>/<service>/aws4_request,
    SignedHeaders=<a;b>, Signature=<hex>`."""

    def __init__(self, header):
        algorithm, _, rest = (header or "").strip().partition(" ")
        fields = {}
        for part in rest.split(","):
            name, sep, value = part.strip().partition("=")
            if sep:
                fields[name] = value.strip()
        missing = [name for name in ("Credential", "SignedHeaders", "Signature") if name not in fields]
        if missing:
            raise AuthError(
                "incomplete",
                f"Authorization header requires '{missing[0]}' parameter. "
                f"Authorization={algorithm}",
            )
        scope = fields["Credential"].split("/")
        if len(scope) != 5 or scope[4] != "aws4_request":
            raise AuthError("incomplete", "Credential should be scoped to a valid region, service and date.")
        self.algorithm = algorithm
        self.credential_id, self.date, self.region, self.service, _ = scope
        self.signed_headers = [name.strip().lower() for name in fields["SignedHeaders"].split(";") if name.strip()]
        self.signature = fields["Signature"].lower()

    @property
    def scope(self):
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


class _SignedHeadersSigV4(SigV4Auth):
    """botocore's SigV4Auth, told which headers the client chose to sign.

    botocore signs every header it is given except a few; a server must
    instead use exactly the client's SignedHeaders list."""

    def __init__(self, credentials, service_name, region_name, signed_headers):
        super().__init__(credentials, service_name, region_name)
        self._signed_headers = signed_headers

    def headers_to_sign(self, request):
        header_map = HTTPHeaders()
        for name in self._signed_headers:
            for value in request.headers.get_all(name) or []:
                header_map[name] = value
        return header_map


def split_query(query):
    """Decoded (name, value) pairs of a raw query string; botocore re-encodes
    them canonically, as AWS does whatever encoding the client put on the wire."""
    pairs = []
    for part in query.split("&") if query else []:
        name, _, value = part.partition("=")
        pairs.append((unquote(name), unquote(value)))
    return pairs


def _aws_request(method, host, path, query, headers, signed_headers, body):
    request = AWSRequest(method=method, url=f"https://{host}{path}", data=body, params=split_query(query))
    for name, value in headers:
        if name.lower() in signed_headers:
            request.headers[name.lower()] = value  # HTTPHeaders appends repeated headers
    return request


def canonical_request(method, host, path, query, headers, signed_headers, body):
    """SigV4 canonical request, computed by botocore. `headers` is a list of
    (name, value) pairs as received."""
    request = _aws_request(method, host, path, query, headers, signed_headers, body)
    return _SignedHeadersSigV4(None, "", "", signed_headers).canonical_request(request)


def string_to_sign(algorithm, amz_date_value, scope, canonical):
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return "\n".join([algorithm, amz_date_value, scope, digest])


def header(headers, name):
    """First value of header `name` (case-insensitive) in a list of pairs."""
    name = name.lower()
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def check_common(auth, headers, body, now, max_skew, expected_service):
    """Checks shared by SigV4 and SigV4-X509: date, scope, signed headers,
    payload hash. Returns the X-Amz-Date value."""
    date_value = header(headers, "x-amz-date")
    if date_value is None:
        raise AuthError("incomplete", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
    signed_at = parse_amz_date(date_value)
    if signed_at is None:
        raise AuthError("incomplete", f"X-Amz-Date must be in the ISO8601 Long Format: '{date_value}'")
    if "host" not in auth.signed_headers:
        raise AuthError("bad_signature", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    for name in auth.signed_headers:
        if header(headers, name) is None:
            raise AuthError("bad_signature", _MISMATCH, detail=f"signed header {name} is not in the request")
    if auth.date != date_value[:8]:
        raise AuthError(
            "bad_signature",
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{auth.date}' != '{date_value[:8]}', from '{date_value}'.",
        )
    if auth.service != expected_service:
        raise AuthError("bad_signature", f"Credential should be scoped to correct service: '{expected_service}'. ")
    if not REGION_RE.match(auth.region):
        raise AuthError("bad_signature", f"Credential should be scoped to a valid region, not '{auth.region}'. ")
    skew = datetime.timedelta(seconds=max_skew)
    minutes = f"{max_skew // 60} min." if max_skew % 60 == 0 else f"{max_skew} s."
    if signed_at < now - skew:
        raise AuthError(
            "signature_expired",
            f"Signature expired: {date_value} is now earlier than {amz_date(now - skew)} ({amz_date(now)} - {minutes})",
        )
    if signed_at > now + skew:
        raise AuthError(
            "signature_expired",
            f"Signature not yet current: {date_value} is still later than {amz_date(now + skew)} "
            f"({amz_date(now)} + {minutes})",
        )
    claimed = header(headers, "x-amz-content-sha256")
    if claimed is not None and claimed != UNSIGNED_PAYLOAD and claimed != hashlib.sha256(body).hexdigest():
        raise AuthError("bad_signature", "The provided 'x-amz-content-sha256' header does not match what was computed.")
    return date_value


_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)


def verify_hmac(method, host, path, query, headers, body, store, expected_service, now, max_skew):
    """Verify a SigV4 (HMAC) request; return (identity, Authorization).

    Raises AuthError. `store` maps access key ids to identities (state.CredentialStore)."""
    value = header(headers, "authorization")
    if not value:
        raise AuthError("missing", "Missing Authentication Token")
    auth = Authorization(value)
    if auth.algorithm != HMAC_ALGORITHM:
        raise AuthError("incomplete", f"Unsupported AWS 'algorithm': '{auth.algorithm}'")
    date_value = check_common(auth, headers, body, now, max_skew, expected_service)

    identity = store.get(auth.credential_id)
    if identity is None:
        raise AuthError("unknown_key", "The security token included in the request is invalid.",
                        detail=f"unknown access key id {auth.credential_id}")
    token = header(headers, "x-amz-security-token")
    if token != identity.session_token:
        detail = "session token missing" if token is None else "session token does not belong to the key"
        raise AuthError("invalid_token", "The security token included in the request is invalid.", detail=detail)
    if identity.expiration is not None and now >= identity.expiration:
        raise AuthError("expired_token", "The security token included in the request is expired")

    request = _aws_request(method, host, path, query, headers, auth.signed_headers, body)
    request.context["timestamp"] = date_value  # botocore signs at the request's own date
    signer = _SignedHeadersSigV4(
        Credentials(identity.access_key_id, identity.secret_access_key, identity.session_token),
        auth.service, auth.region, auth.signed_headers,
    )
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, auth.signature):
        raise AuthError("bad_signature", _MISMATCH, detail="canonical request: " + redact_token(canonical, token))
    return identity, auth


def redact_token(text, token):
    return text.replace(token, "<session-token>") if token else text
