#!/usr/bin/env python3
"""Independent oracle for tests/unit/aws_sigv4: signs requests with botocore.

usage: botocore_sign.py IN.jsonl OUT.jsonl

Each input line: {"id", "method", "url", "headers": [[name, value], ...],
"body_b64", "access_key", "secret_key", "token", "service", "region",
"epoch_ms"}. Each output line: {"id", "authorization", "x_amz_date",
"security_token", "canonical_request", "string_to_sign"}, from botocore's
unmodified SigV4Auth.add_auth() with the clock frozen at epoch_ms (UTC).
"""
import base64
import datetime
import json
import sys
import types
from unittest import mock

import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


class FrozenClock:
    """Stands in for datetime.datetime inside botocore.auth."""

    now = None

    @classmethod
    def utcnow(cls):
        return cls.now


def sign(record):
    FrozenClock.now = datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=record["epoch_ms"])
    request = AWSRequest(
        method=record["method"],
        url=record["url"],
        data=base64.b64decode(record["body_b64"]),
    )
    # HTTPHeaders.__setitem__ appends, so repeated names stay repeated.
    for name, value in record["headers"]:
        request.headers[name] = value
    credentials = Credentials(record["access_key"], record["secret_key"], record["token"] or None)
    signer = SigV4Auth(credentials, record["service"], record["region"])

    captured = {}

    def capture(method_name):
        original = getattr(signer, method_name)

        def wrapper(*args):
            captured[method_name] = original(*args)
            return captured[method_name]

        setattr(signer, method_name, wrapper)

    capture("canonical_request")
    capture("string_to_sign")
    signer.add_auth(request)
    return {
        "id": record["id"],
        "authorization": request.headers["Authorization"],
        "x_amz_date": request.headers["X-Amz-Date"],
        "security_token": request.headers.get("X-Amz-Security-Token", ""),
        "canonical_request": captured["canonical_request"],
        "string_to_sign": captured["string_to_sign"],
    }


def main():
    in_path, out_path = sys.argv[1], sys.argv[2]
    clock = types.SimpleNamespace(datetime=FrozenClock)
    with mock.patch.object(botocore.auth, "datetime", clock):
        with open(in_path, encoding="utf-8") as source, open(out_path, "w", encoding="utf-8") as sink:
            for line in source:
                if line.strip():
                    sink.write(json.dumps(sign(json.loads(line))) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
