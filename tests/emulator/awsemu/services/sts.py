"""AWS STS (query protocol, XML replies): AssumeRole, AssumeRoleWithWebIdentity,
GetCallerIdentity."""

from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from ..common import SESSION_NAME_RE, ApiError, assumed_role, iso8601, parse_role_arn, request_id
from .base import Response, Service, detail_headers
from ..webtoken import JwtError, verify_jwt

NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
CONTENT_TYPE = "text/xml"
ACTIONS = ("AssumeRole", "AssumeRoleWithWebIdentity", "GetCallerIdentity")
CHAINED_ROLE_LIMIT = 3600


def _xml(tag, children):
    """<tag>children</tag>; children is a string (escaped here) or a list of (tag, children)."""
    if isinstance(children, list):
        inner = "".join(_xml(child_tag, grand) for child_tag, grand in children if grand is not None)
    else:
        inner = escape(str(children))
    return f"<{tag}>{inner}</{tag}>"


def _document(action, result):
    return (f'<{action}Response xmlns="{NAMESPACE}">' + _xml(f"{action}Result", result)
            + _xml("ResponseMetadata", [("RequestId", request_id())]) + f"</{action}Response>")


def _validation(message):
    return ApiError(400, "ValidationError", message)


class StsService(Service):
    throttle = ApiError(400, "Throttling", "Rate exceeded")

    AUTH_ERRORS = {
        "missing": (403, "MissingAuthenticationToken"),
        "incomplete": (400, "IncompleteSignature"),
        "unknown_key": (403, "InvalidClientTokenId"),
        "invalid_token": (403, "InvalidClientTokenId"),
        "expired_token": (403, "ExpiredToken"),
        "bad_signature": (403, "SignatureDoesNotMatch"),
        "signature_expired": (403, "SignatureDoesNotMatch"),
    }

    def params(self, request):
        if "sts" not in request.cache:
            params = dict(parse_qsl(request.query, keep_blank_values=True))
            content_type = request.header("content-type") or ""
            if request.method == "POST" and (content_type.startswith("application/x-www-form-urlencoded")
                                             or b"Action=" in request.body):
                params.update(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
            request.cache["sts"] = params
        return request.cache["sts"]

    def action(self, request):
        if request.path != "/" or request.method not in ("GET", "POST"):
            return None
        name = self.params(request).get("Action")
        return f"sts:{name}" if name else None

    def auth_error(self, error):
        status, code = self.AUTH_ERRORS[error.kind]
        if error.kind == "missing":
            return ApiError(status, code, "Request is missing Authentication Token", error.detail)
        return ApiError(status, code, error.message, error.detail)

    def default_error(self, status):
        if status >= 500:
            return "InternalFailure", "An internal error occurred."
        if status == 403:
            return "AccessDenied", "User is not authorized to perform: sts:AssumeRole (injected)"
        return "InvalidParameterValue", "Injected error"

    def error_response(self, error):
        kind = "Receiver" if error.status >= 500 else "Sender"
        body = (f'<ErrorResponse xmlns="{NAMESPACE}">'
                + _xml("Error", [("Type", kind), ("Code", error.code), ("Message", error.message)])
                + _xml("RequestId", request_id()) + "</ErrorResponse>")
        return Response(error.status, body, CONTENT_TYPE, detail_headers(error))

    def malformed_response(self, action):
        name = action.split(":", 1)[1]
        return Response(200, f'<{name}Response xmlns="{NAMESPACE}"><{name}Result><Credentials><AccessKeyId>',
                        CONTENT_TYPE)

    def empty_response(self, action):
        name = action.split(":", 1)[1]
        return Response(200, _document(name, [("AssumedRoleUser", None)]), CONTENT_TYPE)

    # -- the actions --

    def handle(self, request, call):
        name = call.action.split(":", 1)[1]
        if name not in ACTIONS:
            raise ApiError(400, "InvalidAction", f"Could not find operation {name} for version 2011-06-15")
        params = self.params(request)
        if name == "AssumeRoleWithWebIdentity":
            return self.assume_role_with_web_identity(params, call)
        identity, _ = self.verify_sigv4(request, call, "sts")
        if name == "GetCallerIdentity":
            return Response(200, _document(name, [
                ("Arn", identity.arn), ("UserId", identity.access_key_id), ("Account", identity.account)]),
                CONTENT_TYPE)
        return self.assume_role(params, identity, call)

    def _role_request(self, params, max_duration=43200):
        """RoleArn, RoleSessionName and DurationSeconds, validated."""
        role_arn = params.get("RoleArn")
        session_name = params.get("RoleSessionName")
        if role_arn is None:
            raise _validation("1 validation error detected: Value null at 'roleArn' failed to satisfy "
                              "constraint: Member must not be null")
        role = parse_role_arn(role_arn)
        if role is None:
            raise _validation(f"{role_arn} is invalid")
        if session_name is None:
            raise _validation("1 validation error detected: Value null at 'roleSessionName' failed to satisfy "
                              "constraint: Member must not be null")
        if not SESSION_NAME_RE.match(session_name):
            raise _validation(f"1 validation error detected: Value '{session_name}' at 'roleSessionName' failed "
                              "to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*")
        try:
            duration = int(params.get("DurationSeconds", "3600"))
        except ValueError:
            raise _validation("DurationSeconds must be a number") from None
        if duration < 900:
            raise _validation(f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to "
                              "satisfy constraint: Member must have value greater than or equal to 900")
        if duration > max_duration:
            if max_duration == CHAINED_ROLE_LIMIT:
                raise _validation("The requested DurationSeconds exceeds the 1 hour session limit for roles "
                                  "assumed by role chaining.")
            raise _validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
        return role_arn, role, session_name, duration

    def _issue(self, role_arn, role, session_name, duration, source):
        partition, account, role_name = role
        arn, role_id = assumed_role(partition, account, role_name, session_name)
        lifetime = self.state.config.get("issued_credentials_lifetime") or duration
        identity = self.state.credentials.issue(account, role_arn, arn, lifetime, source)
        return identity, role_id

    @staticmethod
    def _credentials_xml(identity, role_id):
        return [
            ("Credentials", [
                ("AccessKeyId", identity.access_key_id),
                ("SecretAccessKey", identity.secret_access_key),
                ("SessionToken", identity.session_token),
                ("Expiration", iso8601(identity.expiration)),
            ]),
            ("AssumedRoleUser", [("AssumedRoleId", role_id), ("Arn", identity.arn)]),
        ]

    def assume_role(self, params, caller, call):
        chained = caller.source != "static"
        role_arn, role, session_name, duration = self._role_request(
            params, CHAINED_ROLE_LIMIT if chained else 43200)
        required = self.state.config.get("sts_external_ids").get(role_arn)
        if required is not None and params.get("ExternalId") != required:
            raise ApiError(403, "AccessDenied", f"User: {caller.arn} is not authorized to perform: "
                                                f"sts:AssumeRole on resource: {role_arn}",
                           "ExternalId missing or wrong")
        identity, role_id = self._issue(role_arn, role, session_name, duration, "sts:AssumeRole")
        result = self._credentials_xml(identity, role_id) + [("PackedPolicySize", "6")]
        return Response(200, _document("AssumeRole", result), CONTENT_TYPE)

    def assume_role_with_web_identity(self, params, call):
        role_arn, role, session_name, duration = self._role_request(params)
        call.account = role[1]
        token = params.get("WebIdentityToken")
        self.state.secrets.add(token)
        if not token:
            raise _validation("1 validation error detected: Value null at 'webIdentityToken' failed to satisfy "
                              "constraint: Member must not be null")
        config = self.state.config
        try:
            claims = verify_jwt(token, self.state.jwt_public_keys, config.get("web_identity_issuer"),
                                config.get("web_identity_audience"))
        except JwtError as error:
            code = "ExpiredTokenException" if error.kind == "expired" else "InvalidIdentityToken"
            raise ApiError(400, code, error.message) from None
        identity, role_id = self._issue(role_arn, role, session_name, duration, "sts:AssumeRoleWithWebIdentity")
        provider = claims["iss"].split("://", 1)[-1]
        audience = config.get("web_identity_audience")
        result = self._credentials_xml(identity, role_id) + [
            ("SubjectFromWebIdentityToken", claims["sub"]), ("Audience", audience), ("Provider", provider)]
        return Response(200, _document("AssumeRoleWithWebIdentity", result), CONTENT_TYPE)
