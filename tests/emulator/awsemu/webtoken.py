"""RS256 JSON Web Tokens for AssumeRoleWithWebIdentity: mint (tests) and verify (STS)."""

import base64
import json
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding


class JwtError(Exception):
    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind  # malformed | signature | expired | audience | issuer
        self.message = message


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_private_key(path, password=None):
    with open(path, "rb") as handle:
        return serialization.load_pem_private_key(handle.read(), password)


def mint_jwt(private_key, iss, sub, aud, exp=None, lifetime=3600, kid=None, extra=None):
    """An RS256 JWT. `private_key` is a key object or a PEM file path;
    `exp` defaults to now + `lifetime`."""
    if isinstance(private_key, str):
        private_key = load_private_key(private_key)
    now = int(time.time())
    header = {"alg": "RS256", "typ": "JWT"}
    if kid:
        header["kid"] = kid
    claims = {"iss": iss, "sub": sub, "aud": aud, "iat": now, "exp": int(exp if exp is not None else now + lifetime)}
    claims.update(extra or {})
    signing_input = _b64url(json.dumps(header, separators=(",", ":")).encode()) + "." + _b64url(
        json.dumps(claims, separators=(",", ":")).encode()
    )
    signature = private_key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + _b64url(signature)


def verify_jwt(token, public_keys, issuer, audience, now=None):
    """Check an RS256 JWT against `public_keys`, `issuer` and `audience`;
    return its claims. Raises JwtError."""
    parts = (token or "").split(".")
    if len(parts) != 3:
        raise JwtError("malformed", "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)")
    try:
        header = json.loads(_unb64url(parts[0]))
        claims = json.loads(_unb64url(parts[1]))
        signature = _unb64url(parts[2])
    except (ValueError, TypeError):
        raise JwtError("malformed", "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)") from None
    if not isinstance(header, dict) or not isinstance(claims, dict) or header.get("alg") != "RS256":
        raise JwtError("malformed", "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)")
    if claims.get("iss") != issuer:
        raise JwtError("issuer", f"No OpenIDConnect provider found in your account for {claims.get('iss')}")
    signing_input = (parts[0] + "." + parts[1]).encode()
    for key in public_keys:
        try:
            key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
            break
        except InvalidSignature:
            continue
    else:
        raise JwtError("signature", "The web identity token signature could not be verified.")
    now = int(now if now is not None else time.time())
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or exp <= now:
        raise JwtError("expired", f"Token expired: current date/time {now} must be before the expiration date/time {exp}")
    audiences = claims.get("aud")
    audiences = audiences if isinstance(audiences, list) else [audiences]
    if audience not in audiences:
        raise JwtError("audience", "Incorrect token audience")
    if not claims.get("sub"):
        raise JwtError("malformed", "The ID Token provided is not a valid JWT: no sub claim.")
    return claims
