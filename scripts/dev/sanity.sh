#!/usr/bin/env bash
# Run `ansible-test sanity` on a copy of the collection placed where ansible-test needs it
# (a path ending in ansible_collections/datadog_exercise/stack). Only what ships in the Galaxy
# artifact plus tests/ is copied: the lab, Molecule and benchmarks are not part of the collection.
set -euo pipefail
cd "$(dirname "$0")/../.."
# Outside the checkout: inside it, ansible-test would ask this repo's git and find the copy ignored.
work=${DDX_SANITY_DIR:-/var/tmp/ddx-ansible-test/$(pwd | sha256sum | cut -c1-12)}
dest=$work/ansible_collections/datadog_exercise/stack
mkdir -p "$dest"
git ls-files -co --exclude-standard \
  | grep -v -E '^(lab|molecule|benchmarks|\.ci|\.config|scripts/dev|\.collections)/' \
  | rsync -a --delete --delete-excluded --files-from=- ./ "$dest/"
# rsync --files-from does not delete stale files: prune what is no longer listed.
(cd "$dest" && find . -type f -not -path './tests/output/*' | sed 's|^\./||' | sort) > "$work/have.txt"
git ls-files -co --exclude-standard \
  | grep -v -E '^(lab|molecule|benchmarks|\.ci|\.config|scripts/dev|\.collections)/' | sort > "$work/want.txt"
comm -23 "$work/have.txt" "$work/want.txt" | while read -r f; do rm -f "$dest/$f"; done
cd "$dest"
exec ansible-test sanity --venv --python 3.11 --color no "$@"
