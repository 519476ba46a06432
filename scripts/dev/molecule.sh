#!/usr/bin/env bash
# Run Molecule scenarios (`molecule test -s NAME`), each with its full log in
# .cache/logs/molecule-NAME.log; print one line per scenario and a closing
# `molecule: N passed, N failed` line. Without arguments: every scenario under molecule/.
#   scripts/dev/molecule.sh [SCENARIO...]
# MOLECULE_JOBS=N runs N scenarios at once (default 2; each scenario has its own containers).
# A scenario with a requires.sh that exits non-zero is reported as skipped (with its one-line
# reason), not failed. DDX_DATADOG_DD_PATH=DIR (holding ansible_collections/datadog/dd) is added to
# ANSIBLE_COLLECTIONS_PATH, so that agent_datadog_dd runs with a datadog.dd from outside Galaxy.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
mkdir -p .cache/logs
scenarios=("$@")
if [ ${#scenarios[@]} -eq 0 ]; then
  for f in molecule/*/molecule.yml; do
    scenarios+=("$(basename "$(dirname "$f")")")
  done
fi
jobs=${MOLECULE_JOBS:-2}
if [ -n "${DDX_DATADOG_DD_PATH:-}" ]; then
  export ANSIBLE_COLLECTIONS_PATH="$DDX_DATADOG_DD_PATH${ANSIBLE_COLLECTIONS_PATH:+:$ANSIBLE_COLLECTIONS_PATH}"
fi

# The lab's host-side services (agent apt repo, API emulator) for the scenarios that use them.
# Port 8901: the demo keeps 8900 for itself.
export DDX_LAB_API_PORT=${DDX_LAB_API_PORT:-8901}
# The agent repo server is shared by every molecule.sh running at once: each run registers
# itself, and the repo is stopped when the last registered run leaves, and only if a molecule.sh
# started it (the demo or a developer may have started it for themselves).
users=.cache/lab/molecule-users
mkdir -p "$users"
lab/agent-repo/serve.sh status >/dev/null 2>&1 || touch "$users/started"
touch "$users/$$"
leave() {
  lab/lab.sh down-api >/dev/null 2>&1
  rm -f "$users/$$"
  local f
  for f in "$users"/[0-9]*; do
    [ -e "$f" ] || continue
    if kill -0 "${f##*/}" 2>/dev/null; then return; fi
    rm -f "$f"  # a run that died without leaving
  done
  if [ -e "$users/started" ]; then
    rm -f "$users/started"
    lab/agent-repo/serve.sh stop >/dev/null 2>&1
  fi
}
trap leave EXIT
eval "$(lab/lab.sh up)"

run_one() {
  local s=$1 port=$2 log=.cache/logs/molecule-$1.log start status tests reason
  start=$(date +%s)
  if [ -x "molecule/$s/requires.sh" ] && ! reason=$("molecule/$s/requires.sh" 2>&1); then
    printf 'molecule %-22s %-6s %4ss  %s\n' "$s" skipped 0 "$reason"
    echo skipped >".cache/logs/molecule-$s.result"
    return
  fi
  # Each scenario gets an emulator (an empty Datadog org) of its own: scenarios running at
  # the same time must not see, or reset, each other's dashboards and monitors. The port is a
  # free one the kernel picks, so another molecule.sh running at once cannot take it.
  port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo "$port")
  eval "$(DDX_LAB_API_PORT=$port lab/lab.sh up-api 2>/dev/null)"
  if molecule test -s "$s" >"$log" 2>&1; then status=passed; else status=FAILED; fi
  DDX_LAB_API_PORT=$port lab/lab.sh down-api 2>/dev/null
  tests=$(grep -aoE '[0-9]+ passed[^=]*in [0-9.]+s' "$log" | tail -1)
  printf 'molecule %-22s %-6s %4ss  %s\n' "$s" "$status" "$(( $(date +%s) - start ))" "${tests:-}"
  echo "$status" >".cache/logs/molecule-$s.result"
}

rm -f .cache/logs/molecule-*.result
running=0
index=0
for s in "${scenarios[@]}"; do
  index=$((index + 1))
  run_one "$s" $((DDX_LAB_API_PORT + index)) &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait

passed=0 failed=0 skipped=0 failed_names=()
for s in "${scenarios[@]}"; do
  result=$(cat ".cache/logs/molecule-$s.result" 2>/dev/null)
  if [ "$result" = passed ]; then
    passed=$((passed + 1))
  elif [ "$result" = skipped ]; then
    skipped=$((skipped + 1))
  else
    failed=$((failed + 1)); failed_names+=("$s")
    echo "----- last 60 lines of .cache/logs/molecule-$s.log -----"
    tail -n 60 ".cache/logs/molecule-$s.log" | sed 's/\x1b\[[0-9;]*m//g'
    echo "-----"
  fi
done
[ ${#failed_names[@]} -eq 0 ] || echo "Failed scenarios: ${failed_names[*]}"
echo "molecule: $passed passed, $failed failed$([ "$skipped" -eq 0 ] || echo ", $skipped skipped")"
[ "$failed" -eq 0 ]
