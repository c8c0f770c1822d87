#!/usr/bin/env bash
# The main job, end to end on one machine: the IAM Roles Anywhere tutorial.
#
# Build pullcred, start the AWS emulator (HTTPS on loopback) whose trust
# anchor is a test "cluster CA", and answer kubelet's CredentialProviderRequest
# for private ECR images in two regions and two accounts. The node's identity
# is the kubelet's own client certificate (one PEM file: the certificate, then
# its EC key); the AWS config is the tutorial's credfile, mounted the way a
# Kubernetes Secret would be, whose credential_process runs
# `aws_signing_helper credential-process ...`. pullcred serves that natively:
# there is no aws_signing_helper on the machine and nothing is spawned.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

.ci/install-deps
cmake --preset release >/dev/null
cmake --build --preset release
pullcred=$root/build/release/bin/pullcred

work=$(mktemp -d)
emulator_pid=
cleanup() {
  [[ -n $emulator_pid ]] && kill "$emulator_pid" 2>/dev/null && wait "$emulator_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

/usr/bin/python3 tests/emulator/emulator.py --state-dir "$work/emulator" >"$work/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 100); do [[ -f $work/emulator/ready ]] && break; sleep 0.1; done
[[ -f $work/emulator/ready ]] || { cat "$work/emulator.log"; exit 1; }
endpoint=$(cat "$work/emulator/url")
# The kubelet's client certificate and key, issued by the emulator's trust anchor CA.
kubelet_pem=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["clients"]["ec-p256"]["combined"])' \
  "$work/emulator/pki/manifest.json")

# The Secret `aws-secret` with key `config`: the tutorial's credfile.
mkdir -m 700 "$work/aws-secret"
cat >"$work/aws-secret/config" <<INI
[default]
credential_process = aws_signing_helper credential-process --certificate $kubelet_pem --private-key $kubelet_pem --profile-arn arn:aws:rolesanywhere:us-west-2:111122223333:profile/pr-demo --role-arn arn:aws:iam::444455556666:role/ecr-pull --trust-anchor-arn arn:aws:rolesanywhere:us-west-2:111122223333:trust-anchor/ta-demo
INI

cat >"$work/config.yaml" <<YAML
apiVersion: pullcred/v1
kind: Config
cache: {dir: $work/cache}
profiles:
  default:
    source: aws.shared-config
    configFile: $work/aws-secret/config
    profile: default
registries:
  - matchImages: ["*.dkr.ecr.*.amazonaws.com"]
    backend: aws.ecr
    profile: default
    cacheDuration: 5h
YAML

export AWS_ENDPOINT_URL=$endpoint AWS_CA_BUNDLE=$work/emulator/pki/ca.pem
echo "== pullcred check-config"
"$pullcred" check-config --config "$work/config.yaml"
for image in 111122223333.dkr.ecr.us-west-2.amazonaws.com/team/app \
             444455556666.dkr.ecr.eu-central-1.amazonaws.com/shared/base \
             444455556666.dkr.ecr.eu-central-1.amazonaws.com/shared/base:v2; do
  echo "== kubelet asks for $image"
  printf '{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"%s"}' \
    "$image" | "$pullcred" --log-level info get-credentials --config "$work/config.yaml"
done
echo "== pullcred explain (the cache state; no secret is printed)"
"$pullcred" explain 444455556666.dkr.ecr.eu-central-1.amazonaws.com/shared/base --config "$work/config.yaml"
echo "== calls the emulator received: one Roles Anywhere session, one ECR token per registry"
curl -s --cacert "$work/emulator/pki/ca.pem" "$endpoint/_emulator/calls" | /usr/bin/python3 -c \
  'import json,sys; print(json.dumps(json.load(sys.stdin)["counts"], indent=1))'
