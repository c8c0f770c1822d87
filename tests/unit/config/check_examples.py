"""Validates config/examples/* against config/pullcred.schema.json with
python3-jsonschema, an implementation independent of pullcred's own."""
import json
import pathlib
import sys

import jsonschema
import yaml

config_dir = pathlib.Path(sys.argv[1])
schema = json.loads((config_dir / "pullcred.schema.json").read_text())
jsonschema.Draft7Validator.check_schema(schema)
validator = jsonschema.Draft7Validator(schema)
examples = sorted((config_dir / "examples").iterdir())
assert examples, "no examples found"
failures = 0
for path in examples:
    document = yaml.safe_load(path.read_text())
    errors = list(validator.iter_errors(document))
    for error in errors:
        print(f"{path.name}: {'.'.join(map(str, error.path))}: {error.message}")
    failures += bool(errors)
# A known-bad document must be refused, so that this check can fail.
assert list(validator.iter_errors({"apiVersion": "pullcred/v1", "kind": "Config", "registrys": []}))
print(f"{len(examples) - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
