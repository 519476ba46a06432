#!/usr/bin/env bash
# The demo: the whole exercise against the hermetic lab.
#   lab/demo/demo.sh up     start the lab (agent repo, API emulator, one systemd host), run
#                           site.yml, run it again (must report changed=0), print where to look
#   lab/demo/demo.sh down   remove the demo host and stop the lab services
# Called by `make demo` / `make demo-down` (which run `make setup` first).
set -euo pipefail
cd "$(dirname "$0")/../.."
state=$PWD/.cache/demo
mkdir -p "$state"
host=ddx-demo
# The container's host name differs from its inventory name (ddx-demo), as on most VMs: the
# dashboards must use the name the Agent reports, not the inventory's.
vm_hostname=ddx-demo-vm1
image=ddx-lab:debian-12
emu_port=${DDX_DEMO_API_PORT:-8900}
app_port=${DDX_DEMO_APP_PORT:-5050}
say() { printf '[demo] %s\n' "$*"; }

host_up() {
  if [ "$(docker inspect -f '{{.State.Running}}' "$host" 2>/dev/null)" = "true" ]; then
    say "lab host $host already running"
    return
  fi
  docker rm -f "$host" >/dev/null 2>&1 || true
  docker run -d --name "$host" --hostname "$vm_hostname" \
    --cap-add SYS_ADMIN --security-opt seccomp=unconfined --cgroupns host \
    -v /sys/fs/cgroup:/sys/fs/cgroup:rw --tmpfs /run --tmpfs /run/lock --tmpfs /tmp \
    -e container=docker -p "127.0.0.1:$app_port:5050" "$image" /lib/systemd/systemd >/dev/null
  say "lab host $host started from $image (app port published on 127.0.0.1:$app_port)"
}

run_site() {
  local log=$1
  ansible-playbook -i inventories/lab site.yml | tee "$log"
}

# site.yml prints each link as "LINK <what>: <url>" (a debug message): the dashboards on every
# run (the timeboard also with a 5-minute window), the snapshot when it takes one.
links() {
  {
    grep -ho '"LINK [^"]*"' "$state/run2.log" | grep -v '"LINK snapshot'
    grep -ho '"LINK snapshot[^"]*"' "$state/run1.log" "$state/run2.log"
  } | sed -e 's/^"LINK /  /' -e 's/"$//' || true
}

up() {
  # The demo's emulator keeps its state in a file, so the demo survives a restart of the lab.
  eval "$(DDX_LAB_API_PORT=$emu_port DDX_LAB_API_STATE=$state/emulator-state.json lab/lab.sh up)"
  host_up
  say "first run of site.yml"
  run_site "$state/run1.log"
  say "second run of site.yml (must change nothing)"
  run_site "$state/run2.log"
  if grep -E '^[^ ].*: ok=' "$state/run2.log" | grep -v -q 'changed=0 '; then
    say "FAIL: the second run changed something (see $state/run2.log)"
    exit 1
  fi
  say "second run: changed=0 on every host"
  cat <<EOT

Links (printed by site.yml: the dashboards from the second run, the snapshot from the first)
$(links)

Where to look
  App (Flask under ddtrace-run):   curl http://127.0.0.1:$app_port/  (and /api/apm, /api/trace)
  Datadog API emulator page:       http://127.0.0.1:$emu_port/   (dashboards, monitor, downtimes, events)
  Agent status:                    docker exec $host datadog-agent status
  my_metric check, once:           docker exec $host datadog-agent check my_metric --json
  Traces received by the agent:    docker exec $host curl -s http://127.0.0.1:8126/test/traces
  Run logs:                        $state/run1.log  $state/run2.log
  A new snapshot, on demand:       ansible-playbook -i inventories/lab site.yml --tags snapshot
Remove it all with: make demo-down
EOT
}

down() {
  if docker rm -f "$host" >/dev/null 2>&1; then say "removed $host"; fi
  lab/lab.sh down
  rm -f "$state/emulator-state.json"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
