#!/usr/bin/env bash
# Can this scenario run? Exit 0 when the datadog.dd collection (role datadog.dd.agent) is
# importable with the current ANSIBLE_COLLECTIONS_PATH; otherwise print why on one line, exit 1.
# Used by scripts/dev/molecule.sh (skip, not failure) and mirrored by converge.yml's first play.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
ansible_galaxy=${ANSIBLE_GALAXY:-.venv/bin/ansible-galaxy}
command -v "$ansible_galaxy" >/dev/null 2>&1 || ansible_galaxy=ansible-galaxy
out=$("$ansible_galaxy" collection list datadog.dd --format json 2>/dev/null) || out='{}'
for dir in $(printf '%s' "$out" | python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)))' 2>/dev/null); do
  if [ -f "$dir/datadog/dd/roles/agent/tasks/main.yml" ]; then
    exit 0
  fi
done
echo "datadog.dd not installed (install it, or set DDX_DATADOG_DD_PATH to a directory holding ansible_collections/datadog/dd)"
exit 1
