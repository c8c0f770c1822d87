#!/usr/bin/python3
"""Independent oracles for the aws_endpoints unit tests.

Run by the tests with PULLCRED_PYTHON (Debian's python3 with python3-botocore):

  oracle.py ecr-host IN OUT      IN: hex-encoded hosts, one a line. OUT: for each,
                                 "1 <account> <-fips|-> <region> <suffix>" or "0",
                                 from Python's `re` and the regex of reference/aws.md.
  oracle.py regex IN OUT         IN: "pattern <hex regex>" lines, then hex inputs.
                                 OUT: per input, one 0/1 per pattern.
  oracle.py partition IN OUT     IN: hex regions. OUT: botocore's partition for each
                                 (its partitions.json: region list, then regex, then aws).
  oracle.py partitions OUT       OUT: botocore's partitions.json facts, one a line:
                                 "<id> <dnsSuffix> <dualStackDnsSuffix> <fips 0/1> <dual 0/1> <hex regex> <regions...>"
  oracle.py endpoints IN OUT     IN: "<service> <region> <fips 0/1> <dual 0/1>" lines. OUT: botocore's
                                 endpoint URL and signing region, or "ERROR <message>".

Exit status 3 when botocore cannot be imported (the test then skips).
"""
import os
import re
import sys

# The regex of reference/aws.md, verbatim. Go (RE2) semantics: ASCII classes,
# whole-string match (fullmatch, so `$` cannot match before a trailing "\n").
ECR_HOST = (r"^(\d{12})\.dkr[\.\-]ecr(\-fips)?\.([a-zA-Z0-9][a-zA-Z0-9-_]*)\."
            r"(amazonaws\.(?:com(?:\.cn)?|eu)|on\.(?:aws|amazonwebservices\.com\.cn)|sc2s\.sgov\.gov|"
            r"c2s\.ic\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)$")


def cmd_ecr_host(inp, out):
    pattern = re.compile(ECR_HOST, re.ASCII)
    with open(inp, encoding="ascii") as f, open(out, "w", encoding="latin-1") as o:
        for line in f:
            host = bytes.fromhex(line.strip()).decode("latin-1")
            m = pattern.fullmatch(host)
            if m:
                o.write("1 %s %s %s %s\n" % (m.group(1), m.group(2) or "-", m.group(3), m.group(4)))
            else:
                o.write("0\n")


def cmd_regex(inp, out):
    patterns = []
    with open(inp, encoding="ascii") as f, open(out, "w") as o:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("pattern "):
                patterns.append(re.compile(bytes.fromhex(line[8:]).decode("ascii"), re.ASCII))
                continue
            s = bytes.fromhex(line).decode("latin-1")
            o.write("".join("1" if p.fullmatch(s) else "0" for p in patterns) + "\n")


def botocore_partitions():
    import botocore.loaders
    return botocore.loaders.create_loader().load_data("partitions")["partitions"]


def cmd_partition(inp, out):
    parts = botocore_partitions()
    compiled = [(p["id"], re.compile(p["regionRegex"], re.ASCII), set(p.get("regions", {}))) for p in parts]
    with open(inp, encoding="ascii") as f, open(out, "w") as o:
        for line in f:
            region = bytes.fromhex(line.strip()).decode("latin-1")
            found = None
            for pid, _, regions in compiled:
                if region in regions:
                    found = pid
                    break
            if found is None:
                for pid, rx, _ in compiled:
                    if rx.fullmatch(region):
                        found = pid
                        break
            o.write((found or "aws") + "\n")


def cmd_partitions(out):
    with open(out, "w") as o:
        for p in botocore_partitions():
            outp = p["outputs"]
            o.write("%s %s %s %d %d %s %s\n" % (
                p["id"], outp["dnsSuffix"], outp["dualStackDnsSuffix"], 1 if outp["supportsFIPS"] else 0,
                1 if outp["supportsDualStack"] else 0, p["regionRegex"].encode("ascii").hex(),
                " ".join(sorted(p.get("regions", {})))))


OPERATIONS = {"sts": "GetCallerIdentity", "ecr": "GetAuthorizationToken",
              "ecr-public": "GetAuthorizationToken", "rolesanywhere": "ListProfiles"}


def cmd_endpoints(inp, out):
    import botocore.session
    from botocore.config import Config
    session = botocore.session.get_session()
    session.set_config_variable("sts_regional_endpoints", "regional")
    with open(inp, encoding="ascii") as f, open(out, "w") as o:
        for line in f:
            service, region, fips, dual = line.split()
            try:
                client = session.create_client(
                    service, region_name=region, aws_access_key_id="AKIDEXAMPLE",
                    aws_secret_access_key="example",
                    config=Config(use_fips_endpoint=fips == "1", use_dualstack_endpoint=dual == "1"))
                op = client.meta.service_model.operation_model(OPERATIONS[service])
                ep = client._ruleset_resolver.construct_endpoint(operation_model=op, call_args={},
                                                                  request_context={})
                signing_region = region
                for scheme in (ep.properties or {}).get("authSchemes", []):
                    signing_region = scheme.get("signingRegion", signing_region)
                o.write("%s %s\n" % (ep.url, signing_region))
            except Exception as e:  # noqa: BLE001 - any failure is an answer here
                o.write("ERROR %s\n" % str(e).replace("\n", " "))


def main():
    # Keep botocore away from the caller's AWS settings.
    for key in list(os.environ):
        if key.startswith("AWS_"):
            del os.environ[key]
    os.environ["AWS_CONFIG_FILE"] = "/nonexistent/pullcred-test-config"
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/pullcred-test-credentials"
    mode = sys.argv[1]
    if mode in ("partition", "partitions", "endpoints"):
        try:
            import botocore  # noqa: F401
        except ImportError:
            sys.stderr.write("botocore is not installed for %s\n" % sys.executable)
            return 3
    if mode == "ecr-host":
        cmd_ecr_host(sys.argv[2], sys.argv[3])
    elif mode == "regex":
        cmd_regex(sys.argv[2], sys.argv[3])
    elif mode == "partition":
        cmd_partition(sys.argv[2], sys.argv[3])
    elif mode == "partitions":
        cmd_partitions(sys.argv[2])
    elif mode == "endpoints":
        cmd_endpoints(sys.argv[2], sys.argv[3])
    else:
        sys.stderr.write("unknown mode %s\n" % mode)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
