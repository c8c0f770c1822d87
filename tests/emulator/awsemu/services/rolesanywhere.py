"""IAM Roles Anywhere CreateSession, signed with SigV4-X509."""

import dataclasses
import json
import re
import uuid

from ..common import SESSION_NAME_RE, ApiError, assumed_role, iso8601, parse_role_arn, utcnow
from .base import Response, Service, detail_headers, json_response
from ..sigv4_verify import AuthError, Authorization, canonical_request, check_common, split_query, string_to_sign
from ..x509_verify import (ECDSA_ALGORITHM, RSA_ALGORITHM, ChainError, decode_der_base64, verify_chain,
                         verify_string_signature)

SERVICE = "rolesanywhere"
ALGORITHMS = (RSA_ALGORITHM, ECDSA_ALGORITHM)
ARN_RE = re.compile(r"^arn:(aws(?:-[a-z]+)*):rolesanywhere:([a-z0-9-]+):(\d{12}):(trust-anchor|profile)/([\w-]+)$")
MIN_DURATION, MAX_DURATION, DEFAULT_DURATION = 900, 43200, 3600

UNTRUSTED = "Untrusted Signing Certificate"
INVALID_SIGNATURE = "Invalid signature"


@dataclasses.dataclass
class SessionRequest:
    anchor_region: str
    anchor_account: str
    profile_region: str
    profile_account: str
    role_arn: str
    role: tuple  # (partition, account, role name)
    duration: int
    session_name: str


def _denied(message, detail=None):
    return ApiError(403, "AccessDeniedException", message, detail)


def _validation(message):
    return ApiError(400, "ValidationException", message)


class RolesAnywhereService(Service):
    success_status = 201
    throttle = ApiError(429, "ThrottlingException", "Rate exceeded")

    def action(self, request):
        if request.path == "/sessions" and request.method == "POST":
            return "rolesanywhere:CreateSession"
        return None

    def auth_error(self, error):
        if error.kind == "missing":
            return ApiError(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
        if error.kind == "signature_expired":
            return _denied(error.message, error.detail)
        if error.kind == "incomplete":
            return _validation(error.message)
        return _denied(INVALID_SIGNATURE, error.detail or error.message)

    def error_response(self, error):
        headers = [("X-Amzn-ErrorType", error.code)] + detail_headers(error)
        return json_response(error.status, {"message": error.message}, headers=headers)

    def malformed_response(self, action):
        return Response(201, b'{"credentialSet":[{"credentials":{"accessKeyId":"AS')

    def empty_response(self, action):
        return json_response(201, {"credentialSet": [], "subjectArn": self._subject_arn("us-east-1", "000000000000")})

    @staticmethod
    def _subject_arn(region, account):
        return f"arn:aws:rolesanywhere:{region}:{account}:subject/{uuid.uuid4()}"

    # -- CreateSession --

    def handle(self, request, call):
        leaf, auth = self.authenticate(request, call)
        session = self.session_request(request)
        if session.anchor_region != auth.region:
            raise ApiError(404, "ResourceNotFoundException", "Trust anchor not found",
                           f"trust anchor region {session.anchor_region} != request region {auth.region}")
        if session.profile_region != auth.region or session.profile_account != session.anchor_account:
            raise ApiError(404, "ResourceNotFoundException", "Profile not found",
                           "the profile must be in the trust anchor's region and account")
        call.account = session.anchor_account

        partition, role_account, role_name = session.role
        session_name = session.session_name or format(leaf.serial_number, "x")
        arn, role_id = assumed_role(partition, role_account, role_name, session_name)
        lifetime = self.state.config.get("issued_credentials_lifetime") or session.duration
        identity = self.state.credentials.issue(role_account, session.role_arn, arn, lifetime,
                                                "rolesanywhere:CreateSession")
        return json_response(201, {
            "credentialSet": [{
                "assumedRoleUser": {"arn": arn, "assumedRoleId": role_id},
                "credentials": {
                    "accessKeyId": identity.access_key_id,
                    "secretAccessKey": identity.secret_access_key,
                    "sessionToken": identity.session_token,
                    "expiration": iso8601(identity.expiration),
                },
                "packedPolicySize": 10,
                "roleArn": session.role_arn,
                "sourceIdentity": leaf.subject.rfc4514_string(),
            }],
            "subjectArn": self._subject_arn(auth.region, session.anchor_account),
        })

    def authenticate(self, request, call):
        """Verify the SigV4-X509 signature and the certificate chain; return (leaf, Authorization)."""
        value = request.header("authorization")
        if not value:
            raise self.auth_error(AuthError("missing", "Missing Authentication Token"))
        try:
            auth = Authorization(value)
        except AuthError as error:
            raise self.auth_error(error) from None
        call.access_key_id = auth.credential_id  # the certificate serial, not a secret
        call.region = auth.region
        if auth.algorithm not in ALGORITHMS:
            raise _denied(INVALID_SIGNATURE, f"unsupported algorithm {auth.algorithm}")
        x509_header = request.header("x-amz-x509")
        if not x509_header:
            raise _validation("Missing X-Amz-X509 header")
        try:
            leaf = decode_der_base64(x509_header)
            chain_header = request.header("x-amz-x509-chain")
            intermediates = [decode_der_base64(part) for part in chain_header.split(",")] if chain_header else []
        except ValueError as error:
            raise _validation("Invalid certificate in X-Amz-X509 or X-Amz-X509-Chain") from error
        now = utcnow()
        try:
            date_value = check_common(auth, request.headers, request.body, now,
                                      self.state.config.get("max_skew_seconds"), SERVICE)
        except AuthError as error:
            raise self.auth_error(error) from None
        needed = {"content-type", "host", "x-amz-date", "x-amz-x509"} | ({"x-amz-x509-chain"} if chain_header else set())
        unsigned = sorted(needed - set(auth.signed_headers))
        if unsigned:
            raise _denied(INVALID_SIGNATURE, f"headers not signed: {', '.join(unsigned)}")
        if auth.credential_id != str(leaf.serial_number):
            raise _denied(INVALID_SIGNATURE, f"Credential serial {auth.credential_id} is not the certificate's "
                                             f"serial {leaf.serial_number}")
        canonical = canonical_request(request.method, request.host, request.path, request.query,
                                      request.headers, auth.signed_headers, request.body)
        to_sign = string_to_sign(auth.algorithm, date_value, auth.scope, canonical)
        if not verify_string_signature(leaf, auth.algorithm, auth.signature, to_sign.encode()):
            raise _denied(INVALID_SIGNATURE, "canonical request: " + canonical.replace("\n", "\\n"))
        try:
            verify_chain(leaf, intermediates, self.state.trust_anchors, now)
        except ChainError as error:
            raise _denied(UNTRUSTED, str(error)) from None
        return leaf, auth

    def session_request(self, request):
        """profileArn, roleArn, trustAnchorArn (query or body), durationSeconds,
        roleSessionName: validated and parsed."""
        if request.body.strip():
            try:
                body = json.loads(request.body)
            except ValueError:
                raise _validation("Could not parse request body into json") from None
            if not isinstance(body, dict):
                raise _validation("Could not parse request body into json")
        else:
            body = {}
        params = dict(body)
        params.update(dict(split_query(request.query)))
        for name in ("profileArn", "roleArn", "trustAnchorArn"):
            if not isinstance(params.get(name), str):
                raise _validation(f"1 validation error detected: Value null at '{name}' failed to satisfy "
                                  "constraint: Member must not be null")
        anchor = ARN_RE.match(params["trustAnchorArn"])
        if not anchor or anchor.group(4) != "trust-anchor":
            raise _validation(f"Invalid trustAnchorArn: {params['trustAnchorArn']}")
        profile = ARN_RE.match(params["profileArn"])
        if not profile or profile.group(4) != "profile":
            raise _validation(f"Invalid profileArn: {params['profileArn']}")
        role = parse_role_arn(params["roleArn"])
        if role is None:
            raise _validation(f"Invalid roleArn: {params['roleArn']}")
        duration = params.get("durationSeconds", DEFAULT_DURATION)
        try:
            duration = float(duration)
        except (TypeError, ValueError):
            raise _validation("durationSeconds must be a number") from None
        if not MIN_DURATION <= duration <= MAX_DURATION:
            raise _validation(f"1 validation error detected: Value '{params['durationSeconds']}' at "
                              "'durationSeconds' failed to satisfy constraint: Member must have value between "
                              f"{MIN_DURATION} and {MAX_DURATION}")
        session_name = params.get("roleSessionName")
        if session_name is not None and (not isinstance(session_name, str) or not SESSION_NAME_RE.match(session_name)):
            raise _validation(f"Invalid roleSessionName: {session_name}")
        return SessionRequest(
            anchor_region=anchor.group(2), anchor_account=anchor.group(3),
            profile_region=profile.group(2), profile_account=profile.group(3),
            role_arn=params["roleArn"], role=role, duration=int(duration), session_name=session_name)
