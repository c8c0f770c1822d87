"""`pullcred check-config` through the real binary: one run finds every problem
(schema, references, modules, and what the sources need at request time), one
line per problem beginning with its key path, schema problems in plain words,
`--format json` for tools, and exit status 1 on an error, 0 with warnings only."""
import json
import os

import pytest

from conftest import static_secret_dir

HEAD = "apiVersion: pullcred/v1\nkind: Config\n"
ANCHOR = "arn:aws:rolesanywhere:us-east-1:111122223333:trust-anchor/a"
RA_PROFILE = "arn:aws:rolesanywhere:us-east-1:111122223333:profile/p"
ROLE = "arn:aws:iam::111122223333:role/pull"
NOBODY = 65534


@pytest.fixture
def check(pullcred, tmp_path):
    """check(text, *flags, env=...) writes the config and runs check-config on it."""
    config = tmp_path / "config.yaml"

    def run(text, *flags, env=None):
        config.write_text(HEAD + text)
        return pullcred("check-config", "--config", str(config), *flags, env=env)
    run.config = config
    return run


def problems_of(run):
    """The problems of a --format json run, as {path: message}."""
    document = json.loads(run.stdout)
    return {problem["path"]: problem["message"] for problem in document["problems"]}


def error_lines(run):
    return [line for line in run.stderr.splitlines() if ": error: " in line]


def test_one_run_finds_every_problem_with_its_key_path(check, tmp_path):
    keys = static_secret_dir(tmp_path / "keys", "AKIDEXAMPLE", "secret")
    aws_config = tmp_path / "aws-config"
    aws_config.write_text("[profile other]\nregion = us-east-1\n")
    text = f"""
registrys: []
settings: {{deadline: 30}}
profiles:
  keys: {{source: aws.static, secretDir: {keys}}}
  gone: {{source: aws.static, secretDir: {tmp_path / 'no-such-dir'}}}
  bad: {{source: NotDotted}}
  ra:
    source: aws.roles-anywhere
    certificate: {tmp_path / 'missing-cert.pem'}
    privateKey: {tmp_path / 'missing-key.pem'}
    privateKeyPasswordEnv: PULLCRED_TEST_UNSET_PASSWORD
    trustAnchorArn: {ANCHOR}
    profileArn: {RA_PROFILE}
    roleArn: {ROLE}
  shared: {{source: aws.shared-config, configFile: {aws_config}, profile: team}}
registries:
  - {{matchImages: ["a.example.com"]}}
  - {{matchImages: ["*.dkr.ecr.*.amazonaws.com"], backend: aws.ecr}}
  - {{matchImages: ["*.dkr.ecr.*.amazonaws.com"], backend: aws.ecr, profile: missing}}
  - {{matchImages: ["*.dkr.ecr.*.amazonaws.com"], backend: aws.ecr, profile: keys, cacheDuration: 5 hours}}
  - {{matchImages: ["*.dkr.ecr.*.amazonaws.com"], backend: aws.ecr, profile: keys, regoin: us-east-1}}
"""
    run = check(text, "--format", "json")
    assert run.code == 1, run.stderr
    assert run.stderr == ""
    document = json.loads(run.stdout)
    assert document["file"] == str(check.config) and document["ok"] is False
    assert all(p["severity"] == "error" for p in document["problems"]), document
    found = problems_of(run)
    assert set(found) == {
        "registrys",                          # schema: unknown key
        "settings.deadline",                  # schema: wrong type
        "profiles.gone.secretDir",            # prerequisite: directory missing
        "profiles.bad.source",                # schema: pattern
        "profiles.ra.certificate",            # prerequisite: file missing
        "profiles.ra.privateKey",             # prerequisite: file missing
        "profiles.ra.privateKeyPasswordEnv",  # prerequisite: environment variable unset
        "profiles.shared.profile",            # prerequisite: profile not in its file
        "registries[0].backend",              # schema: required key missing
        "registries[1].profile",              # aws.ecr without a profile
        "registries[2].profile",              # reference to an undefined profile
        "registries[3].cacheDuration",        # schema: pattern
        "registries[4].regoin",               # the module's schema: unknown key
    }, json.dumps(document, indent=2)
    assert found["settings.deadline"] == 'expected a duration string such as "30s", got the number 30'
    assert found["registries[2].profile"] == 'no profile named "missing" in profiles'
    assert "PULLCRED_TEST_UNSET_PASSWORD is not set" in found["profiles.ra.privateKeyPasswordEnv"]
    assert f"{tmp_path / 'no-such-dir'} does not exist" in found["profiles.gone.secretDir"]
    assert found["profiles.shared.profile"].startswith(f"profile 'team' is not in {aws_config} nor ") or \
        found["profiles.shared.profile"].startswith(f"profile 'team' is in neither {aws_config} nor ")
    assert "use one of: other" in found["profiles.shared.profile"]
    assert "add `profile: NAME` to the rule" in found["registries[1].profile"]

    # The same run in text: one line per problem, each beginning with its key path.
    text_run = check(text)
    assert text_run.code == 1 and text_run.stdout == ""
    lines = error_lines(text_run)
    assert [line.split(": error: ")[0] for line in lines] == list(found), text_run.stderr
    assert 'settings.deadline: error: expected a duration string such as "30s", got the number 30' in lines
    assert text_run.stderr.splitlines()[-1] == f"{check.config}: {len(found)} error(s)"


def test_a_clean_config_is_ok(check, tmp_path):
    keys = static_secret_dir(tmp_path / "keys", "AKIDEXAMPLE", "secret")
    text = (f"profiles:\n  keys: {{source: aws.static, secretDir: {keys}}}\n"
            "registries:\n  - {matchImages: ['*.dkr.ecr.*.amazonaws.com'], backend: aws.ecr, profile: keys}\n")
    run = check(text)
    assert run.code == 0, run.stderr
    assert run.stderr == ""
    assert run.stdout == f"{check.config}: OK (1 profile(s), 1 rule(s))\n"
    as_json = check(text, "--format", "json")
    assert as_json.code == 0
    assert json.loads(as_json.stdout) == {"file": str(check.config), "ok": True, "profiles": 1, "rules": 1,
                                          "problems": []}


def test_warnings_alone_exit_zero(check, tmp_path):
    keys = static_secret_dir(tmp_path / "keys", "AKIDEXAMPLE", "secret")
    text = (f"profiles:\n  keys: {{source: aws.static, secretDir: {keys}}}\n"
            "registries:\n  - {matchImages: ['*.*'], backend: aws.ecr, profile: keys}\n")
    run = check(text, "--format", "json")
    assert run.code == 0, run.stdout
    document = json.loads(run.stdout)
    assert document["ok"] is True
    assert [(p["severity"], p["path"]) for p in document["problems"]] == [
        ("warning", "registries[0].matchImages[0]")]
    text_run = check(text)
    assert text_run.code == 0
    assert text_run.stderr.startswith('registries[0].matchImages[0]: warning: "*.*" can match registry hosts')
    assert "OK (1 profile(s), 1 rule(s))" in text_run.stdout


@pytest.mark.parametrize("text,path,message", [
    ("settings: {deadline: 30}\n", "settings.deadline",
     'expected a duration string such as "30s", got the number 30'),
    ("settings: {httpTimeout: ten}\n", "settings.httpTimeout",
     'expected a duration string such as "30s", got the string "ten"'),
    ("settings: {nativeSigningHelper: 'no'}\n", "settings.nativeSigningHelper",
     'expected true or false, got the string "no"'),
    ("settings: {dedline: 30s}\n", "settings.dedline",
     "unknown key: remove it or correct its spelling (the keys allowed here: caBundle, deadline, httpTimeout, "
     "nativeSigningHelper)"),
    ("registries:\n  - {matchImages: [a.io], backend: a.b, cacheKeyType: Repo}\n", "registries[0].cacheKeyType",
     'expected one of "Image", "Registry" or "Global", got the string "Repo"'),
    ("registries:\n  - {backend: aws.ecr}\n", "registries[0].matchImages",
     "required but missing: add `matchImages:` with a list of image patterns such as "
     '["*.dkr.ecr.*.amazonaws.com"]'),
    ("registries:\n  - {matchImages: [], backend: aws.ecr}\n", "registries[0].matchImages",
     'expected a list of image patterns such as ["*.dkr.ecr.*.amazonaws.com"], got an empty list'),
    ("profiles:\n  p: {region: x}\n", "profiles.p.source",
     'required but missing: add `source:` with a module name (lowercase words joined by dots) such as '
     '"aws.static"'),
    ("profiles:\n  'bad name': {source: aws.static, fromEnvironment: true}\n", "profiles.bad name",
     "the name \"bad name\" is not allowed: expected a profile name of letters, digits, '.', '_' and '-', "
     'starting with a letter or digit such as "team-a"'),
    ("modules: [5]\n", "modules[0]",
     'expected a module file path such as "/opt/pullcred/modules/extra.so" or a mapping with path and sha256, '
     "got the number 5"),
    ("cache: {enabled: yes please}\n", "cache.enabled", 'expected true or false, got the string "yes please"'),
], ids=["duration-number", "duration-word", "bool", "unknown-key", "enum", "required", "min-items",
        "required-source", "profile-name", "one-of", "cache-bool"])
def test_schema_problems_in_plain_words(check, text, path, message):
    run = check(text, "--format", "json")
    assert run.code == 1
    assert problems_of(run).get(path) == message, run.stdout


def test_the_api_version_names_the_value_wanted(pullcred, tmp_path):
    config = tmp_path / "v2.yaml"
    config.write_text("apiVersion: pullcred/v2\nkind: Config\n")
    run = pullcred("check-config", "--config", str(config))
    assert run.code == 1
    assert error_lines(run) == ['apiVersion: error: expected "pullcred/v1", got the string "pullcred/v2"']


# ---- runtime prerequisites, each alone, then fixed ----

def roles_anywhere(tmp_path, **extra):
    settings = {"source": "aws.roles-anywhere", "certificate": str(tmp_path / "cert.pem"),
                "privateKey": str(tmp_path / "key.pem"), "trustAnchorArn": ANCHOR, "profileArn": RA_PROFILE,
                "roleArn": ROLE, **extra}
    return "profiles:\n  ra: " + json.dumps(settings) + "\n"


def test_a_missing_certificate_or_key_and_their_fix(check, tmp_path):
    run = check(roles_anywhere(tmp_path), "--format", "json")
    assert run.code == 1
    assert set(problems_of(run)) == {"profiles.ra.certificate", "profiles.ra.privateKey"}
    (tmp_path / "cert.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    (tmp_path / "key.pem").write_text("-----BEGIN PRIVATE KEY-----\n")
    fixed = check(roles_anywhere(tmp_path))
    assert fixed.code == 0, fixed.stderr


def test_an_unset_password_variable_and_its_fix(check, tmp_path):
    (tmp_path / "cert.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    (tmp_path / "key.pem").write_text("-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
    text = roles_anywhere(tmp_path, privateKeyPasswordEnv="PULLCRED_TEST_KEY_PASSWORD")
    assert "PULLCRED_TEST_KEY_PASSWORD" not in os.environ
    run = check(text)
    assert run.code == 1
    assert error_lines(run) == [
        "profiles.ra.privateKeyPasswordEnv: error: environment variable PULLCRED_TEST_KEY_PASSWORD is not set in "
        "pullcred's environment: set it (for kubelet: in the `env` of the provider in its "
        "CredentialProviderConfig)"]
    assert check(text, env={"PULLCRED_TEST_KEY_PASSWORD": "pw"}).code == 0


def test_a_missing_secret_dir_and_an_empty_one(check, tmp_path):
    text = f"profiles:\n  keys: {{source: aws.static, secretDir: {tmp_path / 'secret'}}}\n"
    run = check(text)
    assert run.code == 1
    assert error_lines(run)[0].startswith(f"profiles.keys.secretDir: error: {tmp_path / 'secret'} does not exist")
    (tmp_path / "secret").mkdir()
    empty = check(text)
    assert empty.code == 1
    assert (f"profiles.keys.secretDir: error: {tmp_path / 'secret'} has no AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY (or they are empty)") in empty.stderr
    # The tutorial's layout, an AWS credentials file, is read with profile default.
    (tmp_path / "secret" / "credentials").write_text("[default]\naws_access_key_id = A\naws_secret_access_key = B\n")
    assert check(text).code == 0


def test_an_untrusted_secret_file_is_reported_as_the_host_would(check, tmp_path):
    keys = static_secret_dir(tmp_path / "keys", "AKIDEXAMPLE", "secret")
    if os.geteuid() != 0:
        pytest.skip("the trust rules apply when pullcred runs as root")
    os.chown(keys / "AWS_SECRET_ACCESS_KEY", NOBODY, NOBODY)
    run = check(f"profiles:\n  keys: {{source: aws.static, secretDir: {keys}}}\n")
    assert run.code == 1
    assert error_lines(run) == [
        f"profiles.keys.secretDir: error: file {keys / 'AWS_SECRET_ACCESS_KEY'}: owned by uid 65534 with mode "
        f"0644, and pullcred runs as root: only root may be able to change it; fix: chown root:root "
        f"{keys / 'AWS_SECRET_ACCESS_KEY'}"], run.stderr


def test_an_ecr_rule_without_a_profile(check, tmp_path):
    keys = static_secret_dir(tmp_path / "keys", "AKIDEXAMPLE", "secret")
    text = (f"profiles:\n  keys: {{source: aws.static, secretDir: {keys}}}\n"
            "registries:\n  - {matchImages: ['*.dkr.ecr.*.amazonaws.com'], backend: aws.ecr}\n")
    run = check(text)
    assert run.code == 1
    assert error_lines(run) == [
        "registries[0].profile: error: aws.ecr needs AWS credentials to call the registry's API, and the rule "
        "names no profile: add `profile: NAME` to the rule (profiles defined: keys)"]


def test_a_shared_config_profile_missing_from_its_files(check, tmp_path):
    config = tmp_path / "aws-config"
    credentials = tmp_path / "aws-credentials"
    config.write_text("[profile dev]\nregion = us-east-1\naws_access_key_id = A\naws_secret_access_key = B\n")
    credentials.write_text("[ops]\naws_access_key_id = A\naws_secret_access_key = B\n")
    text = ("profiles:\n  s: {source: aws.shared-config, configFile: %s, credentialsFile: %s, profile: %s}\n")
    run = check(text % (config, credentials, "prod"))
    assert run.code == 1
    assert error_lines(run) == [
        f"profiles.s.profile: error: profile 'prod' is in neither {config} nor {credentials}: add "
        "[profile prod] to the config file (or [prod] to the credentials file), or use one of: dev, ops"]
    for present in ("dev", "ops"):
        assert check(text % (config, credentials, present)).code == 0
    missing_file = check(text % (tmp_path / "nope", credentials, "ops"))
    assert missing_file.code == 1
    assert error_lines(missing_file)[0].startswith(f"profiles.s.configFile: error: {tmp_path / 'nope'} does not exist")


def test_static_keys_from_the_environment_need_the_variables(check):
    text = "profiles:\n  e: {source: aws.static, fromEnvironment: true}\n"
    if "AWS_ACCESS_KEY_ID" in os.environ or "AWS_SECRET_ACCESS_KEY" in os.environ:
        pytest.skip("this environment sets AWS keys")
    run = check(text)
    assert run.code == 1
    assert [line.split(" is not set")[0] for line in error_lines(run)] == [
        "profiles.e.fromEnvironment: error: environment variable AWS_ACCESS_KEY_ID",
        "profiles.e.fromEnvironment: error: environment variable AWS_SECRET_ACCESS_KEY"]
    assert check(text, env={"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "s"}).code == 0


def test_a_credential_process_program_not_found(check, tmp_path):
    text = f"profiles:\n  p: {{source: aws.process, command: {tmp_path / 'no-such-program'} --flag}}\n"
    run = check(text)
    assert run.code == 1
    assert error_lines(run) == [f"profiles.p.command: error: {tmp_path / 'no-such-program'} does not exist: "
                                "install the program there or correct the path"]


def test_format_flag(check, pullcred):
    bad = check("", "--format", "yaml")
    assert bad.code == 2
    assert 'check-config --format: "yaml" is not a format: use text or json' in bad.stderr
    helped = pullcred("check-config", "--help")
    assert helped.code == 0 and "--format" in helped.stdout and "json" in helped.stdout


def test_no_prerequisites_checks_the_config_alone(check, tmp_path):
    text = (f"profiles:\n  keys: {{source: aws.static, secretDir: {tmp_path / 'mounted-in-the-pod'}}}\n"
            "registries:\n  - {matchImages: ['*.dkr.ecr.*.amazonaws.com'], backend: aws.ecr, profile: keys}\n")
    assert check(text).code == 1
    alone = check(text, "--no-prerequisites")
    assert alone.code == 0, alone.stderr
    assert alone.stdout == f"{check.config}: OK (1 profile(s), 1 rule(s))\n"
    # The references are still checked.
    assert check(text.replace("profile: keys", "profile: other"), "--no-prerequisites").code == 1


def test_a_shared_config_profile_chain_is_planned_as_at_request_time(check, tmp_path):
    aws_config = tmp_path / "aws-config"
    no_credentials = tmp_path / "aws-credentials"
    no_credentials.write_text("")
    token = tmp_path / "token"
    aws_config.write_text("[profile hop]\nsource_profile = gone\nrole_arn = arn:aws:iam::111122223333:role/x\n"
                          f"[profile web]\nweb_identity_token_file = {token}\n"
                          "role_arn = arn:aws:iam::111122223333:role/x\n")
    text = ("profiles:\n"
            f"  hop: {{source: aws.shared-config, configFile: {aws_config}, credentialsFile: {no_credentials}, "
            "profile: hop}\n"
            f"  web: {{source: aws.shared-config, configFile: {aws_config}, profile: web}}\n")
    run = check(text)
    assert run.code == 1
    assert error_lines(run) == [
        f'profiles.hop.profile: error: AWS profile "hop" ({aws_config}, {no_credentials}): its source_profile "gone" '
        "does not exist",
        f"profiles.web.profile: error: {token} does not exist: correct the path, or create or mount the file there"]
    token.write_text("eyJ.token.sig\n")
    assert error_lines(check(text)) == [error_lines(run)[0]]
