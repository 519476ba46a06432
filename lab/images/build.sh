#!/usr/bin/env bash
# Build the lab's systemd-capable Debian images (debootstrap + docker import), cached.
#
# Usage: lab/images/build.sh [RELEASE...]      (default: 11 12 13)
# Env:   DDX_LAB_IMAGE_<REL>   use this (already pulled) image instead of building, e.g.
#                              DDX_LAB_IMAGE_12=registry.example.com/debian-systemd:12
#        DDX_LAB_MIRROR        Debian mirror (default http://deb.debian.org/debian)
#
# Each image is tagged ddx-lab:debian-<REL> and labelled with a hash of this recipe; it is
# rebuilt only when missing or when the recipe changes.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mirror=${DDX_LAB_MIRROR:-http://deb.debian.org/debian}
releases=("$@")
[ ${#releases[@]} -gt 0 ] || releases=(11 12 13)
recipe_hash=$(cat "$0" "$here/Dockerfile" | sha256sum | cut -c1-16)
workdir=${DDX_LAB_IMAGE_WORKDIR:-/var/tmp/ddx-lab-images}

suite_of() {
  case "$1" in
    11) echo bullseye ;;
    12) echo bookworm ;;
    13) echo trixie ;;
    *) echo "unknown Debian release '$1' (expected 11, 12 or 13)" >&2; return 1 ;;
  esac
}

build_one() {
  local rel=$1 suite tag base rootfs override
  suite=$(suite_of "$rel")
  tag="ddx-lab:debian-$rel"
  override_var="DDX_LAB_IMAGE_$rel"
  override=${!override_var:-}
  if [ -n "$override" ]; then
    echo "image $tag: using $override (from $override_var)"
    docker image inspect "$override" >/dev/null 2>&1 || docker pull "$override"
    docker tag "$override" "$tag"
    return 0
  fi
  if [ "$(docker image inspect -f '{{index .Config.Labels "ddx.recipe"}}' "$tag" 2>/dev/null)" = "$recipe_hash" ]; then
    echo "image $tag: up to date"
    return 0
  fi
  base="ddx-lab-base:$suite"
  if ! docker image inspect "$base" >/dev/null 2>&1; then
    rootfs="$workdir/$suite"
    rm -rf "$rootfs"
    mkdir -p "$rootfs"
    echo "image $tag: debootstrap $suite (takes a minute or two)"
    debootstrap --variant=minbase \
      --include=python3,systemd,systemd-sysv,sudo,ca-certificates \
      "$suite" "$rootfs" "$mirror" >"$workdir/$suite.log" 2>&1 \
      || { tail -20 "$workdir/$suite.log" >&2; return 1; }
    tar -C "$rootfs" -c . | docker import - "$base" >/dev/null
    rm -rf "$rootfs"
  fi
  docker build -q --pull=false --build-arg "BASE=$base" --label "ddx.recipe=$recipe_hash" \
    -t "$tag" "$here" >/dev/null
  echo "image $tag: built"
}

command -v debootstrap >/dev/null || { echo "debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }
mkdir -p "$workdir"
pids=()
for rel in "${releases[@]}"; do
  build_one "$rel" & pids+=($!)
done
rc=0
for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
exit $rc
