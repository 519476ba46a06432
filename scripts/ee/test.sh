#!/usr/bin/env bash
# The execution environment, for real (`make ee-test`): run the collection's site playbook
# INSIDE the image built by scripts/ee/build.sh against a fresh lab host and the lab's Datadog
# API emulator, as AWX would run it:
#   - the project (mounted read-only) holds only an inventory and a site.yml that imports
#     datadog_exercise.stack.site: roles, modules and Python packages come from the image;
#   - the Datadog keys arrive as environment variables, rendered from the AWX credential type's
#     injector (docs/awx/credential_type.yml), and the inventory reads them from there
#     (docs/awx/datadog_credential_vars.yml);
#   - the host is a systemd container reached from the EE with community.docker's docker_api
#     connection (the Docker socket is mounted), the emulator on loopback (--network host).
# Converge, then a second run that must report changed=0; then a few checks of the result.
# Closing line: `ee-test: N passed, N failed`. Env: DDX_EE_API_PORT (default 8960).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export PATH=$root/.venv/bin:$PATH ANSIBLE_COLLECTIONS_PATH=$root/.collections
work=$root/.cache/ee/test
host=ddx-ee-host
vm_hostname=lab-ee-vm1
say() { printf '[ee-test] %s\n' "$*"; }
passed=0 failed=0
check() {  # check NAME COMMAND...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); say "PASS $name"; else failed=$((failed + 1)); say "FAIL $name"; fi
}

start=$(date +%s)
image=$(scripts/ee/build.sh)
say "image $image ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}'))"

# The lab's services: agent apt repository (docker bridge) and a fresh API emulator (loopback).
export DDX_LAB_API_PORT=${DDX_EE_API_PORT:-8960}
if lab/agent-repo/serve.sh status >/dev/null 2>&1; then stop=down-api; else stop=down; fi
cleanup() {
  docker rm -f "$host" >/dev/null 2>&1 || true
  lab/lab.sh "$stop" >/dev/null 2>&1 || true
}
trap cleanup EXIT
lab/lab.sh down-api >/dev/null 2>&1 || true  # an empty org each time
eval "$(lab/lab.sh up 2>/dev/null)"

# A fresh lab host, started like the Molecule platforms.
docker rm -f "$host" >/dev/null 2>&1 || true
docker run -d --name "$host" --hostname "$vm_hostname" \
  --cap-add SYS_ADMIN --security-opt seccomp=unconfined --cgroupns host \
  -v /sys/fs/cgroup:/sys/fs/cgroup:rw --tmpfs /run --tmpfs /run/lock --tmpfs /tmp \
  -e container=docker ddx-lab:debian-12 /lib/systemd/systemd >/dev/null
docker exec "$host" systemctl is-system-running --wait >/dev/null 2>&1 || true

# The AWX-style project: inventory + site.yml, nothing of the collection.
rm -rf "$work"
mkdir -p "$work/project/inventory/group_vars/all"
cat >"$work/project/site.yml" <<'EOF'
---
- name: Run the Datadog exercise from the collection in the execution environment
  ansible.builtin.import_playbook: datadog_exercise.stack.site
EOF
cat >"$work/project/inventory/hosts.yml" <<EOF
---
all:
  children:
    datadog_exercise_hosts:
      hosts:
        $host:
          ansible_connection: community.docker.docker_api
          ansible_python_interpreter: /usr/bin/python3
  hosts:
    localhost:
      ansible_connection: local
      ansible_python_interpreter: "{{ ansible_playbook_python }}"
EOF
cp inventories/lab/group_vars/all/*.yml "$work/project/inventory/group_vars/all/"
# Loaded after lab.yml (alphabetical): the keys come from the credential's environment.
cp docs/awx/datadog_credential_vars.yml "$work/project/inventory/group_vars/all/zz_datadog.yml"

# The credential, as AWX injects it: the credential type's env injector rendered with the lab's
# (fake) keys. Written to a file readable by root only, given to docker with --env-file.
umask 077
python - "$work/credential.env" <<'EOF'
import os, sys, yaml
from jinja2.sandbox import SandboxedEnvironment
ct = yaml.safe_load(open("docs/awx/credential_type.yml"))
inputs = {"api_key": "lab-api-key", "app_key": "lab-app-key", "site": "datadoghq.com",
          "api_url": os.environ["DDX_LAB_API_URL"]}
env = SandboxedEnvironment()
with open(sys.argv[1], "w") as out:
    for name, template in ct["injectors"]["env"].items():
        out.write(f"{name}={env.from_string(template).render(**inputs)}\n")
EOF
umask 022

# The apm_app role installs from a wheelhouse built on the controller; the EE, like the lab's
# containers, does not reach PyPI, so it is built here first (a no-op once it exists) and
# mounted read-only, as an AWX project would ship it.
ansible-playbook -i "$work/project/inventory" datadog_exercise.stack.apm_app_wheelhouse \
  -e apm_app_wheelhouse_hosts=datadog_exercise_hosts -e "apm_app_wheelhouse_dir=$root/.cache/wheelhouse" \
  >"$work/wheelhouse.log" 2>&1 || { tail -n 30 "$work/wheelhouse.log"; exit 1; }

run_site() {  # run_site LOG
  docker run --rm --network host \
    -v /var/run/docker.sock:/var/run/docker.sock --group-add "$(stat -c %g /var/run/docker.sock)" \
    -v "$work/project:/runner/project:ro" -v "$root/.cache/wheelhouse:/runner/wheelhouse:ro" \
    -w /runner/project --env-file "$work/credential.env" -e DDX_LAB_REPO_URL \
    -e ANSIBLE_NOCOLOR=1 -e ANSIBLE_FORCE_COLOR=0 -e ANSIBLE_HOST_KEY_CHECKING=0 \
    -e ANSIBLE_PIPELINING=1 -e ANSIBLE_CALLBACK_RESULT_FORMAT=yaml \
    "$image" ansible-playbook -i inventory site.yml -e apm_app_wheelhouse_dir=/runner/wheelhouse \
    >"$1" 2>&1
}
recap_ok() {  # recap_ok LOG MAX_CHANGED: every host in the recap, failed=0 unreachable=0
  local lines
  lines=$(grep -E '^[^ ].*: ok=[0-9]+' "$1") || return 1
  echo "$lines" | grep -q "^$host " && echo "$lines" | grep -q '^localhost ' || return 1
  ! echo "$lines" | grep -qvE 'unreachable=0 +failed=0' || return 1
  [ "$2" = any ] || ! echo "$lines" | grep -qv "changed=$2 "
}

say "run 1: converge (log $work/run1.log)"
t=$(date +%s); run_site "$work/run1.log" && rc1=0 || rc1=$?
say "run 1: rc=$rc1 in $(($(date +%s) - t)) s"
check "site.yml converges inside the EE" recap_ok "$work/run1.log" any
[ "$rc1" -eq 0 ] || tail -n 40 "$work/run1.log"

say "run 2: idempotence (log $work/run2.log)"
t=$(date +%s); run_site "$work/run2.log" && rc2=0 || rc2=$?
say "run 2: rc=$rc2 in $(($(date +%s) - t)) s"
check "second run reports changed=0" recap_ok "$work/run2.log" 0
[ "$rc2" -eq 0 ] || tail -n 40 "$work/run2.log"
grep -E '^[^ ].*: ok=[0-9]+' "$work/run2.log" | sed 's/^/  /' || true

check "the roles and modules came from the image" \
  docker run --rm "$image" ansible-galaxy collection list datadog_exercise.stack -p /usr/share/ansible/collections
check "the agent runs on the host" docker exec "$host" systemctl is-active --quiet datadog-agent
timeboards() {
  curl -fsS -H 'DD-API-KEY: lab-api-key' -H 'DD-APPLICATION-KEY: lab-app-key' \
    "$DDX_LAB_API_URL/api/v1/dashboard" | python -c '
import json, sys
titles = [d["title"] for d in json.load(sys.stdin)["dashboards"]]
sys.exit(0 if titles.count("Datadog exercise timeboard") == 1 else 1)'
}
check "the emulator holds one exercise timeboard" timeboards
check "no key in the run logs" bash -c "! grep -h -e lab-app-key -e lab-api-key '$work/run1.log' '$work/run2.log'"

say "total $(($(date +%s) - start)) s"
echo "ee-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
