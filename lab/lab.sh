#!/usr/bin/env bash
# The lab's host-side services, shared by Molecule, the demo and the benchmarks:
#   - the signed apt repository with the datadog-agent stand-in (served on the docker0 bridge)
#   - the Datadog API emulator (on 127.0.0.1)
#
#   lab/lab.sh up      build what is stale, start what is not running (idempotent), then print
#                      the environment to use: `eval "$(lab/lab.sh up)"`
#   lab/lab.sh env     print the environment only
#   lab/lab.sh down    stop both services
#   lab/lab.sh up-api    start only an API emulator on DDX_LAB_API_PORT, print DDX_LAB_API_URL
#   lab/lab.sh down-api  stop only the API emulator (on DDX_LAB_API_PORT)
# Env: DDX_LAB_API_PORT (default 8900), DDX_LAB_API_STATE (JSON file to persist the emulator's
#      state across restarts; default: none), DDX_LAB_REPO_PORT (default 8765).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
run=$root/.cache/lab
mkdir -p "$run"
api_port=${DDX_LAB_API_PORT:-8900}
api_url=http://127.0.0.1:$api_port
python=$root/.venv/bin/python

emulator_running() {
  [ -f "$run/emulator-$api_port.pid" ] && kill -0 "$(cat "$run/emulator-$api_port.pid")" 2>/dev/null
}

emulator_up() {
  if emulator_running; then
    echo "lab: API emulator already running at $api_url" >&2
    return
  fi
  local state_args=()
  [ -z "${DDX_LAB_API_STATE:-}" ] || state_args=(--state "$DDX_LAB_API_STATE")
  : >"$run/emulator-$api_port.log"
  # Fake keys: the emulator accepts exactly these, as Datadog accepts only an org's own keys.
  PYTHONPATH=$root/lab/emulator nohup "$python" -m dd_emulator serve --host 127.0.0.1 \
    --port "$api_port" --api-key lab-api-key --app-key lab-app-key "${state_args[@]}" \
    >>"$run/emulator-$api_port.log" 2>&1 &
  echo $! >"$run/emulator-$api_port.pid"
  for _ in $(seq 1 100); do
    grep -q "listening on" "$run/emulator-$api_port.log" && break
    kill -0 "$(cat "$run/emulator-$api_port.pid")" 2>/dev/null || break
    sleep 0.1
  done
  grep -q "listening on" "$run/emulator-$api_port.log" || { cat "$run/emulator-$api_port.log" >&2; exit 1; }
  echo "lab: API emulator started at $api_url" >&2
}

emulator_down() {
  if emulator_running; then
    kill "$(cat "$run/emulator-$api_port.pid")" 2>/dev/null || true
    echo "lab: API emulator stopped" >&2
  fi
  rm -f "$run/emulator-$api_port.pid"
}

print_env() {
  echo "export DDX_LAB_REPO_URL=$(lab/agent-repo/serve.sh url)"
  echo "export DDX_LAB_API_URL=$api_url"
}

case "${1:-}" in
  up)
    lab/agent-repo/build.sh >&2
    lab/agent-repo/serve.sh start >&2
    emulator_up
    print_env
    ;;
  env) print_env ;;
  up-api)
    emulator_up
    echo "export DDX_LAB_API_URL=$api_url"
    ;;
  down-api) emulator_down ;;
  down)
    emulator_down
    lab/agent-repo/serve.sh stop >&2 || true
    ;;
  *) echo "usage: $0 up|env|down|up-api|down-api" >&2; exit 2 ;;
esac
