#!/usr/bin/env bash
# Build the execution environment (execution-environment.yml) with ansible-builder; `make ee`.
#   scripts/ee/build.sh            offline mode (this lab: no registry, no Galaxy, no PyPI in
#                                  containers): local base image, wheelhouse built on the host
#   scripts/ee/build.sh --online   ordinary mode: base image from the registry, PyPI, Galaxy
# Prints the image's tag (datadog-exercise-ee:<input hash>) on stdout; also tags :latest.
# The build is skipped when an image with the same input hash exists (prepare.py hash: the
# definition, ee/, each collection's MANIFEST.json, base image id, build arguments).
# Env: EE_BASE_IMAGE (offline base, default ddx-lab:debian-12), EE_IMAGE (default
#      datadog-exercise-ee), EE_FORCE=1 rebuilds even when the hash is known, EE_NO_CACHE=1
#      without Docker's layer cache, EE_WHEELHOUSE_PORT (loopback port, default 8967).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
mode=offline
[ "${1:-}" != "--online" ] || mode=online
image=${EE_IMAGE:-datadog-exercise-ee}
base=${EE_BASE_IMAGE:-ddx-lab:debian-12}
work=$root/.cache/ee
tools=$work/tools
python=$root/.venv/bin/python
say() { printf '[ee] %s\n' "$*" >&2; }
mkdir -p "$work"

# ansible-builder in a venv of its own (it is not needed by the collection's tests).
builder_version=3.2.0
if [ "$("$tools/bin/ansible-builder" --version 2>/dev/null)" != "$builder_version" ]; then
  say "installing ansible-builder $builder_version into $tools"
  "$python" -m venv "$tools"
  "$tools/bin/pip" install -q --disable-pip-version-check "ansible-builder==$builder_version"
fi

args=()
settings=("builder=$builder_version" "mode=$mode")
if [ "$mode" = offline ]; then
  base_id=$(docker image inspect -f '{{.Id}}' "$base" 2>/dev/null) || {
    say "base image $base is missing: make images"; exit 1; }
  "$python" scripts/ee/prepare.py collections --offline
  args+=(--build-arg "EE_BASE_IMAGE=$base"
         --build-arg ANSIBLE_GALAXY_CLI_COLLECTION_OPTS=--offline --build-arg EE_GALAXY_EXTRA=none)
  settings+=("base=$base@$base_id" "$(printf '%s ' "${args[@]}")")
else
  "$python" scripts/ee/prepare.py collections
fi
hash=$("$python" scripts/ee/prepare.py hash "${settings[@]}")
tag=$image:${hash:0:16}

if [ -z "${EE_FORCE:-}" ] && docker image inspect "$tag" >/dev/null 2>&1; then
  say "image $tag is up to date (inputs unchanged)"
  docker tag "$tag" "$image:latest"
  echo "$tag"
  exit 0
fi

server_pid=
cleanup() { [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true; }
trap cleanup EXIT
extra=""
if [ "$mode" = offline ]; then
  # The wheelhouse: every Python package of the build, for the image's Python (3.11, glibc
  # 2.36, this machine's architecture), downloaded on the host, which reaches PyPI.
  wheelhouse=$work/wheelhouse
  mkdir -p "$wheelhouse"
  "$python" scripts/ee/prepare.py requirements "$work/requirements-all.txt" --builder-python "$tools/bin/python"
  say "downloading the wheelhouse into $wheelhouse"
  # pip does not widen a --platform to older glibc tags: list them (2.36 down to 2.5).
  platforms=()
  for minor in $(seq 36 -1 5); do platforms+=(--platform "manylinux_2_${minor}_$(uname -m)"); done
  platforms+=(--platform "manylinux2014_$(uname -m)" --platform "manylinux2010_$(uname -m)"
              --platform "manylinux1_$(uname -m)" --platform any)
  "$python" -m pip download -q --disable-pip-version-check --only-binary=:all: \
    --python-version 3.11 --implementation cp --abi cp311 --abi abi3 --abi none "${platforms[@]}" \
    --dest "$wheelhouse" -r "$work/requirements-all.txt" 2> >(grep -v "^WARNING: Location" >&2)
  # Served on loopback to the build's containers (docker build --network host): nothing of
  # it is copied into a layer.
  # A fixed port keeps Docker's layer cache valid from one build to the next (the URL is a build
  # argument of the base stage); a free one when it is taken.
  port=${EE_WHEELHOUSE_PORT:-8967}
  if curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null; then
    port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  fi
  "$python" -m http.server --bind 127.0.0.1 --directory "$wheelhouse" "$port" >"$work/wheelhouse-server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 50); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break
    sleep 0.1
  done
  args+=(--build-arg "EE_WHEELHOUSE_URL=http://127.0.0.1:$port/")
  extra="--network host"
fi

say "building $tag ($mode); log: $work/build.log"
start=$(date +%s)
if ! "$tools/bin/ansible-builder" build ${EE_NO_CACHE:+--no-cache} -f execution-environment.yml -c "$work/context" \
    --container-runtime docker -t "$tag" "$image:latest" "${args[@]}" \
    --extra-build-cli-args "--label org.datadog-exercise.ee.inputs=$hash${extra:+ $extra}" \
    -v 3 >"$work/build.log" 2>&1; then
  tail -n 60 "$work/build.log" >&2
  say "build FAILED (full log: $work/build.log)"
  exit 1
fi
say "built $tag in $(($(date +%s) - start)) s, $(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}')"
echo "$tag"
