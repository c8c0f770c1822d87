"""Amazon ECR (private) and ECR Public GetAuthorizationToken."""

import base64
import time

from ..common import ACCOUNT_RE, ApiError, dns_suffix
from .base import JsonService, json_response

PRIVATE_TARGET = "AmazonEC2ContainerRegistry_V20150921."
PUBLIC_TARGET = "SpencerFrontendService."
PUBLIC_REGION = "us-east-1"


def ecr_password(account, region, access_key_id):
    """The password inside the ECR token for `account`'s registry in `region`,
    issued to the caller whose access key id is `access_key_id`."""
    return f"ecrpass-{account}-{region}-{access_key_id}"


def ecr_public_password(account, access_key_id):
    """The password inside an ECR Public token (always us-east-1)."""
    return f"ecrpublicpass-{account}-{access_key_id}"


def authorization_token(password):
    return base64.b64encode(f"AWS:{password}".encode()).decode()


class _EcrBase(JsonService):
    target_prefix = None
    signing_name = None

    def action(self, request):
        target = request.header("x-amz-target") or ""
        if request.method == "POST" and target.startswith(self.target_prefix):
            return f"{self.signing_name}:{target[len(self.target_prefix):]}"
        return None

    def handle(self, request, call):
        identity, auth = self.verify_sigv4(request, call, self.signing_name)
        operation = call.action.split(":", 1)[1]
        if operation != "GetAuthorizationToken":
            raise ApiError(400, "UnknownOperationException", f"Unknown operation {operation}")
        return self.get_authorization_token(request, identity, auth.region)


class EcrService(_EcrBase):
    target_prefix = PRIVATE_TARGET
    signing_name = "ecr"

    def get_authorization_token(self, request, identity, region):
        body = self.parse_body(request)
        registry_ids = body.get("registryIds")
        if registry_ids is None:
            accounts = [identity.account]
        else:
            if (not isinstance(registry_ids, list) or not 1 <= len(registry_ids) <= 10
                    or not all(isinstance(r, str) and ACCOUNT_RE.match(r) for r in registry_ids)):
                raise ApiError(400, "ValidationException",
                               f"1 validation error detected: Value '{registry_ids}' at 'registryIds' failed to "
                               "satisfy constraint: Member must satisfy constraint: [Member must satisfy regular "
                               "expression pattern: [0-9]{12}]")
            accounts = registry_ids
        expires_at = round(time.time() + self.state.config.get("ecr_token_lifetime"), 3)
        passwords = {account: ecr_password(account, region, identity.access_key_id) for account in accounts}
        for password in passwords.values():
            self.state.secrets.add(password, authorization_token(password))
        data = [{
            "authorizationToken": authorization_token(passwords[account]),
            "expiresAt": expires_at,
            "proxyEndpoint": f"https://{account}.dkr.ecr.{region}.{dns_suffix(region)}",
        } for account in accounts]
        return json_response(200, {"authorizationData": data}, self.content_type)

    def empty_response(self, action):
        return json_response(200, {"authorizationData": []}, self.content_type)


class EcrPublicService(_EcrBase):
    target_prefix = PUBLIC_TARGET
    signing_name = "ecr-public"

    def get_authorization_token(self, request, identity, region):
        if region != PUBLIC_REGION:
            raise ApiError(400, "InvalidSignatureException",
                           f"Credential should be scoped to a valid region, not '{region}'. ",
                           "ECR Public is only in us-east-1")
        self.parse_body(request)
        expires_at = round(time.time() + self.state.config.get("ecr_public_token_lifetime"), 3)
        password = ecr_public_password(identity.account, identity.access_key_id)
        self.state.secrets.add(password, authorization_token(password))
        data = {
            "authorizationToken": authorization_token(password),
            "expiresAt": expires_at,
        }
        return json_response(200, {"authorizationData": data}, self.content_type)

    def empty_response(self, action):
        return json_response(200, {"authorizationData": {}}, self.content_type)


