"""What every emulated service shares: requests, responses and the fault hooks."""

import json

from ..common import ApiError, request_id, utcnow
from ..sigv4_verify import AuthError, header, verify_hmac


class Request:
    """One HTTP request as it arrived."""

    def __init__(self, method, path, query, headers, body, host):
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers  # list of (name, value), in arrival order
        self.body = body
        self.host = host
        self.cache = {}  # per-request parsed forms, for services to share

    def header(self, name):
        return header(self.headers, name)


class Response:
    def __init__(self, status, body=b"", content_type="application/json", headers=None):
        self.status = status
        self.body = body if isinstance(body, bytes) else body.encode("utf-8")
        self.content_type = content_type
        self.headers = list(headers or [])
        self.headers.append(("x-amzn-RequestId", request_id()))
        self.abort = None  # None | "reset" | "truncate"


def json_response(status, document, content_type="application/json", headers=None):
    return Response(status, json.dumps(document), content_type, headers)


def detail_headers(error):
    """The X-Emulator-Detail header of an ApiError that has a detail."""
    return [("X-Emulator-Detail", error.detail)] if error.detail else []


class Call:
    """What the call log keeps about one call. Never a secret."""

    def __init__(self, action):
        self.action = action
        self.region = None
        self.account = None
        self.access_key_id = None
        self.status = None
        self.error = None
        self.fault = None
        self.faulted = False
        self.seconds = None  # the emulator's own time for the call (benchmarks subtract it)

    def record(self):
        return {
            "action": self.action, "region": self.region, "account": self.account,
            "accessKeyId": self.access_key_id, "status": self.status, "error": self.error,
            "fault": self.fault, "faulted": self.faulted, "seconds": self.seconds,
        }


class Service:
    """Base of the emulated services. Subclasses set `success_status` and
    implement action(), handle(), error_response(), malformed_response()
    and empty_response()."""

    success_status = 200
    throttle = ApiError(400, "ThrottlingException", "Rate exceeded")

    def __init__(self, state):
        self.state = state

    def action(self, request):
        """The action name ("ecr:GetAuthorizationToken") if the request is for this service."""
        raise NotImplementedError

    def handle(self, request, call):
        raise NotImplementedError

    def error_response(self, error):
        raise NotImplementedError

    def malformed_response(self, action):
        raise NotImplementedError

    def empty_response(self, action):
        raise NotImplementedError

    def default_error(self, status):
        """(error code, message) for an injected error of HTTP `status`."""
        if status >= 500:
            return "InternalServerException", "An internal error occurred. Try again."
        if status == 403:
            return "AccessDeniedException", "Access denied (injected)"
        return "ValidationException", "Injected error"

    def auth_error(self, error: AuthError):
        """The service's ApiError for a refused SigV4 authentication."""
        raise NotImplementedError

    def verify_sigv4(self, request, call, signing_name):
        """Check the request's SigV4 (HMAC) signature; return (identity, Authorization)."""
        try:
            identity, auth = verify_hmac(
                request.method, request.host, request.path, request.query, request.headers, request.body,
                self.state.credentials, signing_name, utcnow(), self.state.config.get("max_skew_seconds"))
        except AuthError as error:
            raise self.auth_error(error) from None
        call.account = identity.account
        call.region = auth.region
        return identity, auth


class JsonService(Service):
    """AWS JSON 1.1 (ECR): errors are {"__type", "message"}."""

    content_type = "application/x-amz-json-1.1"

    AUTH_ERRORS = {
        "missing": (400, "MissingAuthenticationTokenException"),
        "incomplete": (400, "IncompleteSignatureException"),
        "unknown_key": (400, "UnrecognizedClientException"),
        "invalid_token": (400, "UnrecognizedClientException"),
        "expired_token": (400, "ExpiredTokenException"),
        "bad_signature": (400, "InvalidSignatureException"),
        "signature_expired": (400, "InvalidSignatureException"),
    }

    def auth_error(self, error):
        status, code = self.AUTH_ERRORS[error.kind]
        return ApiError(status, code, error.message, error.detail)

    def default_error(self, status):
        if status >= 500:
            return "ServerException", "Internal service error"
        if status == 403:
            return "AccessDeniedException", "User is not authorized to perform: ecr:GetAuthorizationToken (injected)"
        return "InvalidParameterException", "Injected error"

    def error_response(self, error):
        return json_response(error.status, {"__type": error.code, "message": error.message},
                             self.content_type, detail_headers(error))

    def malformed_response(self, action):
        return Response(200, b'{"authorizationData":[{"authorizationToken":"QVdTOn', self.content_type)

    def parse_body(self, request):
        content_type = request.header("content-type") or ""
        if not content_type.startswith("application/x-amz-json-1."):
            raise ApiError(400, "SerializationException", f"Unsupported content type: {content_type!r}",
                           "expected application/x-amz-json-1.1")
        if not request.body.strip():
            return {}
        try:
            body = json.loads(request.body)
        except ValueError:
            raise ApiError(400, "SerializationException", "Start of structure or map found where not expected.") from None
        if not isinstance(body, dict):
            raise ApiError(400, "SerializationException", "Start of structure or map found where not expected.")
        return body
