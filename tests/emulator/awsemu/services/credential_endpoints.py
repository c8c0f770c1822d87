"""The credential endpoints outside AWS's signed APIs, each served on its own
listener: the IAM Identity Center (SSO) portal's GetRoleCredentials, the ECS /
EKS Pod Identity container credentials endpoint and EC2 instance metadata
(IMDSv2). The credentials they hand out are issued like STS's, so ECR accepts
them."""

import datetime
import json
import secrets
from urllib.parse import parse_qsl

from ..common import ApiError, iso8601, parse_role_arn
from .base import Response, Service, json_response


def _issue(state, role_arn, source, default_lifetime):
    partition, account, role_name = parse_role_arn(role_arn)
    lifetime = state.config.get("issued_credentials_lifetime") or default_lifetime
    assumed = f"arn:{partition}:sts::{account}:assumed-role/{role_name}/{source.split(':', 1)[0]}"
    return state.credentials.issue(account, role_arn, assumed, lifetime, source), account


class SsoPortalService(Service):
    """GET /federation/credentials?role_name=R&account_id=A, x-amz-sso_bearer_token: a token of
    config sso_access_tokens. Role R of account A is issued (any role exists)."""

    throttle = ApiError(429, "TooManyRequestsException", "Rate exceeded")

    def action(self, request):
        if request.method == "GET" and request.path == "/federation/credentials":
            return "sso:GetRoleCredentials"
        return None

    def handle(self, request, call):
        token = request.header("x-amz-sso_bearer_token")
        self.state.secrets.add(token)
        if not token or token not in self.state.config.get("sso_access_tokens"):
            raise ApiError(401, "UnauthorizedException", "Session token not found or invalid")
        params = dict(parse_qsl(request.query, keep_blank_values=True))
        role_name, account = params.get("role_name"), params.get("account_id")
        if not role_name or not account or not account.isdigit() or len(account) != 12:
            raise ApiError(400, "InvalidRequestException", "role_name and a 12-digit account_id are required")
        identity, call.account = _issue(self.state, f"arn:aws:iam::{account}:role/{role_name}",
                                        "sso:GetRoleCredentials", 3600)
        expiration_ms = int(identity.expiration.timestamp() * 1000)
        return json_response(200, {"roleCredentials": {
            "accessKeyId": identity.access_key_id, "secretAccessKey": identity.secret_access_key,
            "sessionToken": identity.session_token, "expiration": expiration_ms}})

    def error_response(self, error):
        return json_response(error.status, {"message": error.message},
                             headers=[("x-amzn-ErrorType", f"{error.code}:http://internal.amazon.com/")])

    def malformed_response(self, action):
        return Response(200, b'{"roleCredentials": {"accessKeyId": ')

    def empty_response(self, action):
        return json_response(200, {"roleCredentials": {}})


def _metadata_document(identity, with_code):
    document = {"Code": "Success", "LastUpdated": iso8601(datetime.datetime.now(datetime.timezone.utc)),
                "Type": "AWS-HMAC"} if with_code else {}
    document.update({"AccessKeyId": identity.access_key_id, "SecretAccessKey": identity.secret_access_key,
                     "Token": identity.session_token, "Expiration": iso8601(identity.expiration)})
    return document


class ContainerCredentialsService(Service):
    """GET of any path: credentials of config container_role_arn. When config
    container_authorization_token is set, the Authorization header must equal it."""

    def action(self, request):
        return "container:GetCredentials" if request.method == "GET" else None

    def handle(self, request, call):
        wanted = self.state.config.get("container_authorization_token")
        if wanted is not None:
            given = request.header("authorization")
            self.state.secrets.add(given)
            if given != wanted:
                raise ApiError(401 if given is None else 403, "AccessDenied",
                               "Authorization header missing" if given is None else "Authorization token is wrong")
        identity, call.account = _issue(self.state, self.state.config.get("container_role_arn"),
                                        "container:GetCredentials", 6 * 3600)
        return json_response(200, dict(_metadata_document(identity, False), RoleArn=identity.role_arn))

    def error_response(self, error):
        return json_response(error.status, {"code": error.code, "message": error.message})

    def malformed_response(self, action):
        return Response(200, b'{"AccessKeyId": ')

    def empty_response(self, action):
        return json_response(200, {})


class InstanceMetadataService(Service):
    """IMDSv2: PUT /latest/api/token (X-aws-ec2-metadata-token-ttl-seconds) answers a token, or
    config imds_token_status when that is not 200; GETs under
    /latest/meta-data/iam/security-credentials/ need X-aws-ec2-metadata-token unless
    imds_v1_allowed. The role is config imds_role_arn's (None: no role attached)."""

    CREDENTIALS = "/latest/meta-data/iam/security-credentials/"

    def __init__(self, state):
        super().__init__(state)
        self._tokens = set()

    def action(self, request):
        if request.method == "PUT" and request.path == "/latest/api/token":
            return "imds:GetToken"
        if request.method == "GET" and request.path == self.CREDENTIALS:
            return "imds:ListRoles"
        if request.method == "GET" and request.path.startswith(self.CREDENTIALS):
            return "imds:GetCredentials"
        return None

    def handle(self, request, call):
        config = self.state.config
        if call.action == "imds:GetToken":
            ttl = request.header("x-aws-ec2-metadata-token-ttl-seconds")
            if not ttl or not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
                raise ApiError(400, "BadRequest", "X-aws-ec2-metadata-token-ttl-seconds is missing or invalid")
            status = config.get("imds_token_status")
            if status != 200:
                raise ApiError(status, "Refused", "token refused (emulator imds_token_status)")
            token = secrets.token_urlsafe(40)
            self._tokens.add(token)
            self.state.secrets.add(token)
            return Response(200, token, "text/plain", [("X-aws-ec2-metadata-token-ttl-seconds", ttl)])
        token = request.header("x-aws-ec2-metadata-token")
        if token is not None:
            if token not in self._tokens:
                raise ApiError(401, "Unauthorized", "unknown metadata token")
        elif not config.get("imds_v1_allowed"):
            raise ApiError(401, "Unauthorized", "a metadata token is required (IMDSv2)")
        role_arn = config.get("imds_role_arn")
        role_name = parse_role_arn(role_arn)[2] if role_arn else None
        if call.action == "imds:ListRoles":
            if not role_name:
                raise ApiError(404, "NotFound", "no instance profile")
            return Response(200, role_name + "\n", "text/plain")
        if not role_name or request.path[len(self.CREDENTIALS):] != role_name:
            raise ApiError(404, "NotFound", "no such role")
        identity, call.account = _issue(self.state, role_arn, "imds:GetCredentials", 6 * 3600)
        return Response(200, json.dumps(_metadata_document(identity, True), indent=2), "text/plain")

    def error_response(self, error):
        return Response(error.status, f"{error.status} {error.code}: {error.message}\n", "text/plain")

    def malformed_response(self, action):
        return Response(200, b'{"Code": "Success", "AccessKeyId": ', "text/plain")

    def empty_response(self, action):
        return Response(200, b"", "text/plain")
