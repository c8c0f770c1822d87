#!/usr/bin/python3
"""Test PKI for the emulator and the tests that use it.

`python3 pki.py OUTDIR` writes certificates, keys and `manifest.json`
(absolute paths, decimal serials) into OUTDIR; see README.md for the list.
Keys are fresh on every run; file names never change. `ensure(OUTDIR)`
reuses a directory that already has a manifest.
"""

import datetime
import ipaddress
import json
import os
import secrets
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from awsemu import webtoken

MANIFEST = "manifest.json"
KEY_PASSWORD = "pullcred-test-key-password"
JWT_ISSUER = "https://oidc.emulator.pullcred.test"
JWT_AUDIENCE = "sts.amazonaws.com"
JWT_KID = "pullcred-emulator-1"
SERVER_NAMES = ["localhost", "emulator.pullcred.test", "127.0.0.1", "::1"]
NODE_SUBJECT = "system:node:pullcred-test-node"
# DER of the prime256v1 OID: the body of an `EC PARAMETERS` block.
EC_PARAMETERS_P256 = b"-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"

DAY = datetime.timedelta(days=1)


def _name(common_name, organization="pullcred tests"):
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


class Issued:
    def __init__(self, cert, key):
        self.cert = cert
        self.key = key


def _certificate(subject, key, issuer=None, *, ca=False, not_before, not_after,
                 serial=None, san=None, client=False, server=False):
    """A certificate for `key`, signed by `issuer` (self-signed when None)."""
    issuer_name = issuer.cert.subject if issuer else subject
    signing_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(serial or x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
    is_rsa = isinstance(key, rsa.RSAPrivateKey)
    builder = builder.add_extension(x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=(not ca and is_rsa),
        data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
        encipher_only=False, decipher_only=False), critical=True)
    usages = ([ExtendedKeyUsageOID.CLIENT_AUTH] if client else []) + ([ExtendedKeyUsageOID.SERVER_AUTH] if server else [])
    if usages:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    if san:
        names = []
        for entry in san:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(entry)))
            except ValueError:
                names.append(x509.DNSName(entry))
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return Issued(builder.sign(signing_key, hashes.SHA256()), key)


def _rsa():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem_cert(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def _pem_key(key, fmt, password=None):
    formats = {
        "pkcs8": serialization.PrivateFormat.PKCS8,
        "sec1": serialization.PrivateFormat.TraditionalOpenSSL,   # EC PRIVATE KEY
        "pkcs1": serialization.PrivateFormat.TraditionalOpenSSL,  # RSA PRIVATE KEY
    }
    encryption = (serialization.BestAvailableEncryption(password.encode()) if password
                  else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, formats[fmt], encryption)


class _Writer:
    def __init__(self, outdir):
        self.outdir = os.path.abspath(outdir)
        os.makedirs(self.outdir, exist_ok=True)

    def write(self, name, data, private=False):
        path = os.path.join(self.outdir, name)
        tmp = path + ".tmp"
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644), "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
        return path


def _client_entry(writer, name, issued, key_file, key_format, password=None, **extra):
    cert = issued.cert
    is_rsa = isinstance(issued.key, rsa.RSAPrivateKey)
    entry = {
        "cert": writer.write(f"client-{name}.crt", _pem_cert(cert)) if "cert" not in extra else extra.pop("cert"),
        "key": writer.write(key_file, _pem_key(issued.key, key_format, password), private=True),
        "key_format": key_format + ("-encrypted" if password else ""),
        "key_type": "rsa-2048" if is_rsa else f"ec-{issued.key.curve.name}",
        "algorithm": "AWS4-X509-RSA-SHA256" if is_rsa else "AWS4-X509-ECDSA-SHA256",
        "serial": str(cert.serial_number),
        "serial_hex": format(cert.serial_number, "X"),
        "subject": cert.subject.rfc4514_string(),
        "not_before": cert.not_valid_before.isoformat() + "Z",
        "not_after": cert.not_valid_after.isoformat() + "Z",
    }
    if password:
        entry["password"] = password
    entry.update(extra)
    return entry


def generate(outdir):
    """Write the whole test PKI into `outdir`; return the manifest."""
    writer = _Writer(outdir)
    now = datetime.datetime.utcnow().replace(microsecond=0)
    long_life = dict(not_before=now - DAY, not_after=now + 3650 * DAY)
    leaf_life = dict(not_before=now - DAY, not_after=now + 365 * DAY)

    # The cluster CA: trusted for TLS (AWS_CA_BUNDLE) and as the Roles Anywhere trust anchor.
    ca = _certificate(_name("pullcred test cluster CA"), _rsa(), ca=True, **long_life)
    server = _certificate(_name("pullcred emulator"), ec.generate_private_key(ec.SECP256R1()), ca,
                          san=SERVER_NAMES, server=True, **leaf_life)
    untrusted_ca = _certificate(_name("pullcred UNTRUSTED CA"), ec.generate_private_key(ec.SECP256R1()),
                                ca=True, **long_life)
    untrusted_server = _certificate(_name("pullcred emulator (untrusted)"), ec.generate_private_key(ec.SECP256R1()),
                                    untrusted_ca, san=SERVER_NAMES, server=True, **leaf_life)
    intermediate_ca = _certificate(_name("pullcred test intermediate CA"), ec.generate_private_key(ec.SECP384R1()),
                                   ca, ca=True, **long_life)

    manifest = {"dir": writer.outdir}
    for label, issued in [("ca", ca), ("server", server), ("untrusted_ca", untrusted_ca),
                          ("untrusted_server", untrusted_server), ("intermediate_ca", intermediate_ca)]:
        stem = label.replace("_", "-")
        manifest[label] = {
            "cert": writer.write(f"{stem}.pem", _pem_cert(issued.cert)),
            "key": writer.write(f"{stem}.key", _pem_key(issued.key, "pkcs8"), private=True),
            "serial": str(issued.cert.serial_number),
            "subject": issued.cert.subject.rfc4514_string(),
        }
    manifest["server"]["names"] = SERVER_NAMES
    manifest["untrusted_server"]["names"] = SERVER_NAMES
    intermediates = writer.write("intermediates.pem", _pem_cert(intermediate_ca.cert))

    node = _name(NODE_SUBJECT, "system:nodes")
    clients = {}
    # Kubelet-style P-256 leaf. Its serial needs 19 bytes with the top bit
    # set, so its DER encoding carries a leading zero byte (a sign trap).
    ec256 = _certificate(node, ec.generate_private_key(ec.SECP256R1()), ca, client=True,
                         serial=secrets.randbits(151) | (1 << 151), **leaf_life)
    combined = writer.write("kubelet-client-current.pem", _pem_cert(ec256.cert) + _pem_key(ec256.key, "sec1"),
                            private=True)
    clients["ec-p256"] = _client_entry(writer, "ec-p256", ec256, "client-ec-p256.key", "sec1", combined=combined)
    ec256_cert = clients["ec-p256"]["cert"]
    params_key = writer.write("client-ec-p256-params.key", EC_PARAMETERS_P256 + _pem_key(ec256.key, "sec1"),
                              private=True)
    clients["ec-p256-params"] = dict(clients["ec-p256"], key=params_key, key_format="sec1-with-parameters")
    del clients["ec-p256-params"]["combined"]
    clients["ec-p256-encrypted"] = _client_entry(writer, "ec-p256", ec256, "client-ec-p256.enc.pkcs8.key", "pkcs8",
                                                 KEY_PASSWORD, cert=ec256_cert)

    ec384 = _certificate(node, ec.generate_private_key(ec.SECP384R1()), ca, client=True, **leaf_life)
    clients["ec-p384"] = _client_entry(writer, "ec-p384", ec384, "client-ec-p384.pkcs8.key", "pkcs8")

    rsa_leaf = _certificate(node, _rsa(), ca, client=True, **leaf_life)
    clients["rsa"] = _client_entry(writer, "rsa", rsa_leaf, "client-rsa.pkcs8.key", "pkcs8")
    rsa_cert = clients["rsa"]["cert"]
    clients["rsa-pkcs1"] = _client_entry(writer, "rsa", rsa_leaf, "client-rsa.pkcs1.key", "pkcs1", cert=rsa_cert)
    clients["rsa-encrypted"] = _client_entry(writer, "rsa", rsa_leaf, "client-rsa.enc.pkcs8.key", "pkcs8",
                                             KEY_PASSWORD, cert=rsa_cert)

    via_intermediate = _certificate(node, ec.generate_private_key(ec.SECP256R1()), intermediate_ca, client=True,
                                    **leaf_life)
    clients["intermediate"] = _client_entry(writer, "intermediate", via_intermediate, "client-intermediate.key",
                                            "pkcs8", intermediates=intermediates)
    expired = _certificate(node, ec.generate_private_key(ec.SECP256R1()), ca, client=True,
                           not_before=now - 30 * DAY, not_after=now - DAY)
    clients["expired"] = _client_entry(writer, "expired", expired, "client-expired.key", "pkcs8")
    future = _certificate(node, ec.generate_private_key(ec.SECP256R1()), ca, client=True,
                          not_before=now + 30 * DAY, not_after=now + 365 * DAY)
    clients["not-yet-valid"] = _client_entry(writer, "not-yet-valid", future, "client-not-yet-valid.key", "pkcs8")
    untrusted = _certificate(node, ec.generate_private_key(ec.SECP256R1()), untrusted_ca, client=True, **leaf_life)
    clients["untrusted"] = _client_entry(writer, "untrusted", untrusted, "client-untrusted.key", "pkcs8")
    manifest["clients"] = clients
    manifest["trust_anchors"] = [manifest["ca"]["cert"]]

    jwt_key = _rsa()
    manifest["jwt"] = {
        "private_key": writer.write("jwt-issuer.key", _pem_key(jwt_key, "pkcs8"), private=True),
        "public_key": writer.write("jwt-issuer.pub.pem", jwt_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)),
        "issuer": JWT_ISSUER,
        "audience": JWT_AUDIENCE,
        "kid": JWT_KID,
    }
    writer.write(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode() + b"\n")
    return manifest


def load(outdir):
    with open(os.path.join(outdir, MANIFEST), encoding="utf-8") as handle:
        return json.load(handle)


def ensure(outdir):
    """The manifest of `outdir`, generating the PKI first when it has none."""
    if os.path.exists(os.path.join(outdir, MANIFEST)):
        return load(outdir)
    return generate(outdir)


def mint_jwt(manifest, sub="system:serviceaccount:kube-system:pullcred", aud=None, iss=None, exp=None,
             lifetime=3600, private_key=None, extra=None):
    """An RS256 web identity token from the test issuer of `manifest`
    (override `private_key` with another key's PEM path to forge one)."""
    jwt = manifest["jwt"]
    return webtoken.mint_jwt(private_key or jwt["private_key"], iss=iss or jwt["issuer"], sub=sub,
                             aud=aud or jwt["audience"], exp=exp, lifetime=lifetime, kid=jwt["kid"], extra=extra)


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        print(f"usage: {argv[0]} OUTDIR", file=sys.stderr)
        return 2
    manifest = generate(argv[1])
    print(os.path.join(manifest["dir"], MANIFEST))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
