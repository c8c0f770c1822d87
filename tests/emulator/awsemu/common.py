"""Small pieces shared by every part of the emulator: errors, time, ids, ARNs."""

import base64
import datetime
import re
import secrets
import string
import uuid

AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"

ACCOUNT_RE = re.compile(r"^\d{12}$")
REGION_RE = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-\d+$")
PARTITION_RE = r"aws(?:-[a-z]+)*"
ROLE_ARN_RE = re.compile(r"^arn:(" + PARTITION_RE + r"):iam::(\d{12}):role/((?:[\w+=,.@-]+/)*)([\w+=,.@-]{1,64})$")
SESSION_NAME_RE = re.compile(r"^[\w+=,.@-]{2,64}$")


class ApiError(Exception):
    """An error answer of an AWS API: HTTP status, error code and message.

    `detail` never reaches the body; it is sent in the X-Emulator-Detail
    header and the log, to help whoever debugs a failing test.
    """

    def __init__(self, status, code, message, detail=None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def iso8601(when):
    """2026-11-28T13:00:00Z, the format of STS and Roles Anywhere expirations."""
    return when.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def amz_date(when):
    return when.astimezone(datetime.timezone.utc).strftime(AMZ_DATE_FORMAT)


def parse_amz_date(text):
    """Parse YYYYMMDDTHHMMSSZ, or return None."""
    try:
        parsed = datetime.datetime.strptime(text, AMZ_DATE_FORMAT)
    except (TypeError, ValueError):
        return None
    return parsed.replace(tzinfo=datetime.timezone.utc)


def request_id():
    return str(uuid.uuid4())


def random_id(prefix, length=20):
    """An AWS-looking id: prefix + upper-case letters and digits, `length` chars in all."""
    alphabet = string.ascii_uppercase + string.digits
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length - len(prefix)))


def random_secret():
    alphabet = string.ascii_letters + string.digits + "+/"
    return "".join(secrets.choice(alphabet) for _ in range(40))


def random_session_token():
    return "IQoJb3JpZ2luX2VtdWxhdG9y" + base64.b64encode(secrets.token_bytes(180)).decode()


def dns_suffix(region):
    """DNS suffix of the partition a region belongs to."""
    prefixes = [
        ("cn-", "amazonaws.com.cn"),
        ("us-isob-", "sc2s.sgov.gov"),
        ("us-isof-", "csp.hci.ic.gov"),
        ("us-iso-", "c2s.ic.gov"),
        ("eu-isoe-", "cloud.adc-e.uk"),
        ("eusc-", "amazonaws.eu"),
    ]
    for prefix, suffix in prefixes:
        if region.startswith(prefix):
            return suffix
    return "amazonaws.com"


def parse_role_arn(arn):
    """Return (partition, account, role name) of an IAM role ARN, or None."""
    match = ROLE_ARN_RE.match(arn or "")
    if not match:
        return None
    return match.group(1), match.group(2), match.group(4)


def assumed_role(partition_name, account, role_name, session_name):
    """(assumed-role ARN, assumed role id) as STS and Roles Anywhere report them."""
    arn = f"arn:{partition_name}:sts::{account}:assumed-role/{role_name}/{session_name}"
    return arn, f"{random_id('AROA', 21)}:{session_name}"
