#!/usr/bin/env bash
# Run named quality gates in order, keep going after a failure, and finish with one summary
# line `gates: N passed, N failed` (so CI shows what ran). Exit status: 0 only if all passed.
#   scripts/dev/gates.sh lint sanity unit molecule
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
passed=0 failed=0 failed_names=()
declare -A took
for gate in "$@"; do
  start=$(date +%s)
  printf '\n===== gate: %s =====\n' "$gate"
  if make --no-print-directory "$gate"; then
    passed=$((passed + 1))
    status=ok
  else
    failed=$((failed + 1))
    failed_names+=("$gate")
    status=FAILED
  fi
  took[$gate]=$(( $(date +%s) - start ))
  printf '===== gate %s: %s in %ss =====\n' "$gate" "$status" "${took[$gate]}"
done
printf '\nGate timings:'
for gate in "$@"; do printf ' %s=%ss' "$gate" "${took[$gate]}"; done
printf '\n'
[ ${#failed_names[@]} -eq 0 ] || printf 'Failed gates: %s\n' "${failed_names[*]}"
printf 'gates: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
