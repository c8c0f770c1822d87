#!/usr/bin/env bash
# The main job, end to end on one machine: build pullcred, start the AWS
# emulator (HTTPS on loopback), and answer kubelet's CredentialProviderRequest
# for private ECR images in two regions and two accounts, with static keys
# from a directory laid out like a mounted Kubernetes Secret.
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

# The Secret, as kubelet's node would mount it (EKS Anywhere layout).
mkdir -m 700 "$work/aws-secret"
printf AKIDPULLCREDTEST0001 >"$work/aws-secret/AWS_ACCESS_KEY_ID"
printf pullcred-test-secret-0001-not-a-real-key >"$work/aws-secret/AWS_SECRET_ACCESS_KEY"
printf us-west-2 >"$work/aws-secret/REGION"

cat >"$work/config.yaml" <<YAML
apiVersion: pullcred/v1
kind: Config
profiles:
  secret:
    source: aws.static
    secretDir: $work/aws-secret
registries:
  - matchImages: ["*.dkr.ecr.*.amazonaws.com", "public.ecr.aws"]
    backend: aws.ecr
    profile: secret
    cacheDuration: 5h
YAML

export AWS_ENDPOINT_URL=$endpoint AWS_CA_BUNDLE=$work/emulator/pki/ca.pem
echo "== pullcred check-config"
"$pullcred" check-config --config "$work/config.yaml"
for image in 111122223333.dkr.ecr.us-west-2.amazonaws.com/team/app \
             444455556666.dkr.ecr.eu-central-1.amazonaws.com/shared/base \
             public.ecr.aws/eks-distro/kubernetes/pause; do
  echo "== kubelet asks for $image"
  printf '{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"%s"}' \
    "$image" | "$pullcred" get-credentials --config "$work/config.yaml"
done
echo "== calls the emulator received"
curl -s --cacert "$work/emulator/pki/ca.pem" "$endpoint/_emulator/calls" | python3 -c \
  'import json,sys; print(json.dumps(json.load(sys.stdin)["counts"], indent=1))'
