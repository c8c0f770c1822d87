"""Hostile certificate, key and intermediate PEM files for aws.roles-anywhere
(plugins/source-rolesanywhere/), each through the real pullcred against the
emulator's CreateSession: one clear line, or the right answer when the file
is still usable; never a crash, a hang or a private key on stderr."""
import base64
import os
import pathlib
import re

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ed25519
from cryptography.hazmat.primitives.serialization import pkcs12

from harness import Case, request, run_all

ANCHOR = "arn:aws:rolesanywhere:us-west-2:111122223333:trust-anchor/ta-hostile"
RA_PROFILE = "arn:aws:rolesanywhere:us-west-2:111122223333:profile/pr-hostile"
ROLE = "arn:aws:iam::444455556666:role/ecr-pull"
RA_IMAGE = "444455556666.dkr.ecr.us-west-2.amazonaws.com/app"
RA_REGISTRY = RA_IMAGE.split("/", 1)[0]
BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----\r?\n?", re.S)


def key_secrets(pem):
    """Lines of every private key's base64 body: none may reach stderr."""
    found = []
    for label, body in BLOCK.findall(pem):
        if b"PRIVATE" in label:
            found += [line.decode() for line in body.split() if len(line) >= 32]
    return tuple(found)


def ra_answered(result, case_dir):
    password = result.auth()[RA_REGISTRY]["password"]
    assert password.startswith("ecrpass-444455556666-us-west-2-"), password


def pem_cases(node, emulator):
    clients = emulator.pki["clients"]
    good = clients["ec-p256"]
    cert_pem = pathlib.Path(good["cert"]).read_bytes()
    key_pem = pathlib.Path(good["key"]).read_bytes()
    rsa_key = pathlib.Path(clients["rsa"]["key"]).read_bytes()
    p384_key = pathlib.Path(clients["ec-p384"]["key"]).read_bytes()
    encrypted_key = pathlib.Path(clients["ec-p256-encrypted"]["key"]).read_bytes()
    intermediate = clients["intermediate"]
    ed_key = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    dsa_key = dsa.generate_private_key(2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    all_secrets = tuple({*key_secrets(key_pem), *key_secrets(rsa_key), *key_secrets(p384_key),
                         *key_secrets(encrypted_key), *key_secrets(ed_key), *key_secrets(dsa_key)})
    cert_body = BLOCK.search(cert_pem).group(2)
    key_label = BLOCK.search(key_pem).group(1)
    key_body = BLOCK.search(key_pem).group(2)

    def prepare_with(cert=cert_pem, key=key_pem, intermediates=None, make=None, cert_path=None, key_path=None):
        def prepare(case_dir):
            case_dir = pathlib.Path(case_dir)
            paths = {}
            for name, data, given in (("cert.pem", cert, cert_path), ("key.pem", key, key_path),
                                      ("chain.pem", intermediates, None)):
                path = given or case_dir / name
                if data is not None and given is None:
                    path.write_bytes(data)
                paths[name] = path
            if make:
                make(paths)
            settings = {"source": "aws.roles-anywhere", "certificate": str(paths["cert.pem"]),
                        "privateKey": str(paths["key.pem"]), "trustAnchorArn": ANCHOR,
                        "profileArn": RA_PROFILE, "roleArn": ROLE}
            if intermediates is not None or (make and "chain" in getattr(make, "which", "")):
                settings["intermediates"] = str(paths["chain.pem"])
            document = node.document(case_dir, profiles={"ra": settings})
            return ["get-credentials", "--config", str(node.config(case_dir, document))], request(RA_IMAGE), {}
        return prepare

    def replacing(which, make):
        def apply(paths):
            path = paths[which]
            if path.exists() or path.is_symlink():
                path.unlink()
            make(path)
        apply.which = which
        return apply

    def pem(label, body):
        return b"-----BEGIN " + label + b"-----\n" + body + b"-----END " + label + b"-----\n"

    half_cert = cert_body[: len(cert_body) // 2]
    cert_der = base64.b64decode(b"".join(cert_body.split()))
    bundle = pkcs12.serialize_key_and_certificates(
        b"node", serialization.load_pem_private_key(key_pem, None), x509.load_pem_x509_certificate(cert_pem), None,
        serialization.NoEncryption())
    ten_mb = b"-----BEGIN CERTIFICATE-----\n" + (b"A" * 64 + b"\n") * (10 << 14) + b"-----END CERTIFICATE-----\n"
    table = [
        # (name, prepare kwargs, expect)
        ("good-control", {}, "answer"),
        ("combined-file", {"cert": None, "key": None, "cert_path": pathlib.Path(good["combined"]),
                           "key_path": pathlib.Path(good["combined"])}, "answer"),
        ("rsa-pkcs1", {"cert": pathlib.Path(clients["rsa-pkcs1"]["cert"]).read_bytes(),
                       "key": pathlib.Path(clients["rsa-pkcs1"]["key"]).read_bytes()}, "answer"),
        ("cert-empty", {"cert": b""}, "error"),
        ("cert-blank", {"cert": b"\n \n\t\n"}, "error"),
        ("cert-nul-bytes", {"cert": b"\x00" * 4096}, "error"),
        ("cert-truncated-base64", {"cert": pem(b"CERTIFICATE", half_cert)}, "error"),
        ("cert-truncated-file", {"cert": cert_pem[: len(cert_pem) // 2]}, "error"),
        ("cert-no-end-line", {"cert": cert_pem.replace(b"-----END CERTIFICATE-----", b"")}, "error"),
        ("cert-mismatched-end", {"cert": cert_pem.replace(b"END CERTIFICATE", b"END X509 CRL")}, "error"),
        ("cert-bad-base64-chars", {"cert": pem(b"CERTIFICATE", cert_body.replace(b"A", b"!", 5))}, "error"),
        ("cert-base64-of-garbage", {"cert": pem(b"CERTIFICATE", base64.encodebytes(os.urandom(700)))}, "error"),
        ("cert-valid-der-wrong-type", {"cert": pem(b"CERTIFICATE", key_body)}, "error"),
        ("cert-wrong-label", {"cert": cert_pem.replace(b"CERTIFICATE", b"TRUSTED THING")}, "error"),
        ("cert-file-holds-a-key", {"cert": key_pem}, "error"),
        ("cert-der", {"cert": cert_der}, "answer"),
        ("cert-der-trailing-bytes", {"cert": cert_der + b"\x00junk"}, "error"),
        ("cert-der-truncated", {"cert": cert_der[: len(cert_der) // 2]}, "error"),
        ("cert-pkcs12-truncated", {"cert": bundle[: len(bundle) // 2]}, "error"),
        ("cert-pkcs12-beside-a-private-key", {"cert": bundle}, "error"),
        ("cert-invalid-utf8", {"cert": b"\xff\xfe" + cert_pem}, "either"),
        ("cert-crlf", {"cert": cert_pem.replace(b"\n", b"\r\n")}, "either"),
        ("cert-garbage-before", {"cert": b"junk line\n" + cert_pem}, "either"),
        ("cert-garbage-block-first", {"cert": pem(b"CERTIFICATE", b"bm90IGEgY2VydA==\n") + cert_pem}, "error"),
        ("cert-ten-megabytes", {"cert": ten_mb}, "error"),
        ("cert-huge-line", {"cert": b"-----BEGIN CERTIFICATE-----\n" + b"A" * (3 << 20) +
                            b"\n-----END CERTIFICATE-----\n"}, "error"),
        ("cert-nested-begin", {"cert": b"-----BEGIN CERTIFICATE-----\n" + cert_pem}, "error"),
        ("cert-expired", {"cert": pathlib.Path(clients["expired"]["cert"]).read_bytes(),
                          "key": pathlib.Path(clients["expired"]["key"]).read_bytes()}, "error"),
        ("cert-not-yet-valid", {"cert": pathlib.Path(clients["not-yet-valid"]["cert"]).read_bytes(),
                                "key": pathlib.Path(clients["not-yet-valid"]["key"]).read_bytes()}, "error"),
        ("cert-untrusted", {"cert": pathlib.Path(clients["untrusted"]["cert"]).read_bytes(),
                            "key": pathlib.Path(clients["untrusted"]["key"]).read_bytes()}, "error"),
        ("key-empty", {"key": b""}, "error"),
        ("key-nul-bytes", {"key": b"\x00" * 4096}, "error"),
        ("key-truncated-base64", {"key": pem(key_label, key_body[: len(key_body) // 2])}, "error"),
        ("key-truncated-file", {"key": key_pem[: len(key_pem) // 2]}, "error"),
        ("key-bad-base64-chars", {"key": pem(key_label, key_body.replace(b"A", b"*", 3))}, "error"),
        ("key-base64-of-garbage", {"key": pem(b"PRIVATE KEY", base64.encodebytes(os.urandom(200)))}, "error"),
        ("key-wrong-label", {"key": key_pem.replace(key_label, b"PUBLIC KEY")}, "error"),
        ("key-unknown-label", {"key": key_pem.replace(key_label, b"MYSTERY KEY")}, "error"),
        ("key-label-swapped", {"key": pem(b"RSA PRIVATE KEY", key_body)}, "error"),
        ("key-file-holds-a-cert", {"key": cert_pem}, "error"),
        ("key-encrypted", {"key": encrypted_key}, "error"),
        ("key-not-matching-cert", {"key": p384_key}, "error"),
        ("key-rsa-for-ec-cert", {"key": rsa_key}, "error"),
        ("key-ed25519", {"key": ed_key}, "error"),
        ("key-dsa", {"key": dsa_key}, "error"),
        ("key-ec-parameters-only", {"key": b"-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n"
                                           b"-----END EC PARAMETERS-----\n"}, "error"),
        ("key-ten-megabytes", {"key": ten_mb.replace(b"CERTIFICATE", b"PRIVATE KEY")}, "error"),
        ("key-der-not-pem", {"key": base64.b64decode(b"".join(key_body.split()))}, "error"),
        ("key-proc-type-header", {"key": key_pem.replace(b"-----\n", b"-----\nProc-Type: 4,ENCRYPTED\n"
                                                         b"DEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n",
                                                         1)}, "error"),
        ("chain-garbage", {"cert": pathlib.Path(intermediate["cert"]).read_bytes(),
                           "key": pathlib.Path(intermediate["key"]).read_bytes(),
                           "intermediates": b"this is not a certificate\n"}, "error"),
        ("chain-garbage-block", {"cert": pathlib.Path(intermediate["cert"]).read_bytes(),
                                 "key": pathlib.Path(intermediate["key"]).read_bytes(),
                                 "intermediates": pathlib.Path(intermediate["intermediates"]).read_bytes() +
                                 pem(b"CERTIFICATE", b"Z2FyYmFnZQ==\n")}, "error"),
        ("chain-empty", {"cert": pathlib.Path(intermediate["cert"]).read_bytes(),
                         "key": pathlib.Path(intermediate["key"]).read_bytes(), "intermediates": b""}, "error"),
        ("chain-ten-megabytes", {"intermediates": ten_mb}, "error"),
        ("chain-holds-a-key", {"intermediates": key_pem}, "error"),
        ("chain-thousand-certs", {"intermediates": cert_pem * 1000}, "error"),
    ]
    cases = [Case(f"pem/{name}", prepare_with(**kwargs), expect=expect,
                  check=ra_answered if expect != "error" else None, secrets=all_secrets)
             for name, kwargs, expect in table]

    specials = [
        ("missing", lambda p: None), ("directory", lambda p: p.mkdir()), ("symlink-loop", lambda p: p.symlink_to(p)),
        ("dangling-symlink", lambda p: p.symlink_to(p.parent / "nowhere")),
        ("dev-zero", lambda p: p.symlink_to("/dev/zero")), ("fifo-without-writer", lambda p: os.mkfifo(p)),
        ("unreadable", lambda p: (p.write_bytes(cert_pem), p.chmod(0))),
    ]
    for which, label in (("cert.pem", "cert"), ("key.pem", "key"), ("chain.pem", "chain")):
        for name, make in specials:
            # root reads a mode 0 file: then the unbroken file answers.
            either = name == "unreadable" and os.geteuid() == 0
            cases.append(Case(f"pem/{label}-file/{name}", prepare_with(make=replacing(which, make)),
                              expect="either" if either else "error", check=ra_answered if either else None,
                              secrets=all_secrets))
    return cases


def test_hostile_pem_files(node, emulator, base_env, tmp_path):
    cases = pem_cases(node, emulator)
    assert len(cases) >= 60
    failures = run_all(cases, tmp_path, base_env)
    assert not failures, f"{len(failures)} of {len(cases)} cases failed:\n" + "\n".join(failures)
