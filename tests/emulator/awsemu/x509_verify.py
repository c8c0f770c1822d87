"""X.509 for Roles Anywhere with python3-cryptography: signatures over the
string to sign, and the chain from the leaf up to a trust anchor.

cryptography 38 has no path builder, so the chain walk is here; every
signature check in it is cryptography's."""

import base64
import binascii
import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

RSA_ALGORITHM = "AWS4-X509-RSA-SHA256"
ECDSA_ALGORITHM = "AWS4-X509-ECDSA-SHA256"
MAX_CHAIN = 5


class ChainError(Exception):
    """The certificate is not trusted; the message says why (for logs only)."""


def load_pem_certificates(data):
    """All CERTIFICATE blocks of a PEM bundle."""
    marker = b"-----BEGIN CERTIFICATE-----"
    certs = []
    for part in data.split(marker)[1:]:
        certs.append(x509.load_pem_x509_certificate(marker + part))
    return certs


def decode_der_base64(text):
    """A certificate sent as standard base64 of its DER (X-Amz-X509)."""
    try:
        return x509.load_der_x509_certificate(base64.b64decode(text.strip(), validate=True))
    except (binascii.Error, ValueError) as error:
        raise ValueError(f"not a base64 DER certificate: {error}") from None


def verify_string_signature(cert, algorithm, signature_hex, message):
    """True when `signature_hex` is the leaf key's signature of `message`
    under `algorithm` (RSA PKCS#1 v1.5 or ECDSA, always SHA-256)."""
    try:
        signature = bytes.fromhex(signature_hex)
    except ValueError:
        return False
    key = cert.public_key()
    try:
        if algorithm == RSA_ALGORITHM and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        elif algorithm == ECDSA_ALGORITHM and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        else:
            return False
    except InvalidSignature:
        return False
    return True


def _issued_by(cert, issuer):
    """True when `issuer`'s key signed `cert`."""
    if cert.issuer != issuer.subject:
        return False
    key = issuer.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), cert.signature_hash_algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
        else:
            return False
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _is_ca(cert):
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def _check_time(cert, now, role):
    naive_now = now.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    if naive_now < cert.not_valid_before:
        raise ChainError(f"{role} certificate is not valid before {cert.not_valid_before.isoformat()}Z")
    if naive_now > cert.not_valid_after:
        raise ChainError(f"{role} certificate expired at {cert.not_valid_after.isoformat()}Z")


def _check_leaf(leaf):
    if _is_ca(leaf):
        raise ChainError("leaf certificate is a CA certificate")
    try:
        usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not usage.digital_signature:
        raise ChainError("leaf certificate key usage lacks digitalSignature")


def verify_chain(leaf, intermediates, anchors, now):
    """Walk from `leaf` through `intermediates` to one of `anchors`; return
    the anchor. Raises ChainError."""
    _check_leaf(leaf)
    _check_time(leaf, now, "leaf")
    current = leaf
    for _ in range(MAX_CHAIN):
        for anchor in anchors:
            if _issued_by(current, anchor):
                _check_time(anchor, now, "trust anchor")
                return anchor
        parent = next((c for c in intermediates if c is not current and _issued_by(current, c)), None)
        if parent is None:
            raise ChainError(f"no trust anchor or intermediate issued {current.subject.rfc4514_string()}")
        if not _is_ca(parent):
            raise ChainError(f"intermediate {parent.subject.rfc4514_string()} is not a CA")
        _check_time(parent, now, "intermediate")
        current = parent
    raise ChainError("certificate chain too long")
