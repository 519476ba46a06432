#!/usr/bin/env bash
# One-command setup of the development/test environment on a Debian/Ubuntu machine.
#   - apt packages (debootstrap, Docker engine when none runs, packaging tools for the lab repo)
#   - a Docker engine that answers (systemd service, or a background dockerd without systemd)
#   - .venv with the pinned Python requirements (requirements-dev.txt)
#   - the collection importable as .collections/ansible_collections/datadog_exercise/stack
#   - the Ansible collections it uses (Galaxy when reachable, else those of the `ansible` package)
#   - ansible-test's pip bootstrap made offline-capable
#   - the lab's Debian 11/12/13 systemd images
# Re-running it is fast and changes nothing. Run as root or with sudo available.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
t0=$(date +%s)
say() { printf '[setup] %s\n' "$*"; }

# --- apt packages --------------------------------------------------------------------------
apt_pkgs=(debootstrap dpkg-dev apt-utils gnupg rsync shellcheck curl openssh-client)
command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1 || command -v dockerd >/dev/null 2>&1 \
  || apt_pkgs+=(docker.io)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
  missing+=(python3-venv)
fi
if [ ${#missing[@]} -gt 0 ]; then
  say "apt: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
else
  say "apt: all packages present"
fi

# --- Docker engine -------------------------------------------------------------------------
if docker info >/dev/null 2>&1; then
  say "docker: engine answers ($(docker info -f '{{.ServerVersion}}'))"
else
  if [ -d /run/systemd/system ]; then
    say "docker: starting docker.service"
    $SUDO systemctl enable --now docker >/dev/null
  else
    say "docker: no systemd, starting dockerd in the background (log /var/log/dockerd.log)"
    $SUDO sh -c 'nohup dockerd >/var/log/dockerd.log 2>&1 &'
  fi
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { say "docker: engine did not come up"; exit 1; }
  say "docker: engine answers ($(docker info -f '{{.ServerVersion}}'))"
fi

# --- Python venv ---------------------------------------------------------------------------
req_hash=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)
stamp=.venv/.requirements-$req_hash
if [ -f "$stamp" ]; then
  say "venv: up to date"
else
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  say "venv: installing requirements-dev.txt (a few minutes on a cold cache)"
  .venv/bin/pip install -q --disable-pip-version-check --upgrade pip 2> >(grep -v '^WARNING: Location' >&2)
  .venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt 2> >(grep -v '^WARNING: Location' >&2)
  rm -f .venv/.requirements-*
  touch "$stamp"
fi

# --- collection path -----------------------------------------------------------------------
mkdir -p .collections/ansible_collections/datadog_exercise
ln -sfn ../../.. .collections/ansible_collections/datadog_exercise/stack

# --- Ansible collections -------------------------------------------------------------------
if out=$(timeout 60 .venv/bin/ansible-galaxy collection install -r requirements.yml -p .collections 2>&1); then
  if grep -q "Nothing to do" <<<"$out"; then
    say "collections: already provided by the pip 'ansible' package (Galaxy not needed)"
  else
    say "collections: installed from Galaxy into .collections"
  fi
else
  say "collections: Galaxy unreachable; using the collections shipped in the pip 'ansible' package"
  .venv/bin/ansible-galaxy collection list 2>/dev/null | grep -E '^(community\.(mysql|postgresql|docker)|ansible\.posix) ' \
    | sed 's/^/[setup]   /'
fi

# --- datadog.dd (optional: agent_install_backend=datadog.dd, molecule/agent_datadog_dd) ------
# DDX_DATADOG_DD_SRC=<tarball | collection directory with galaxy.yml | URL> installs it from there;
# otherwise from Galaxy when reachable. DDX_DATADOG_DD_PATH (a directory holding
# ansible_collections/datadog/dd) is only searched, never written.
dd_list() {
  ANSIBLE_COLLECTIONS_PATH=".collections${DDX_DATADOG_DD_PATH:+:$DDX_DATADOG_DD_PATH}" \
    .venv/bin/ansible-galaxy collection list datadog.dd 2>/dev/null | grep -E '^datadog\.dd ' | head -1
}
if [ -n "${DDX_DATADOG_DD_SRC:-}" ]; then
  if out=$(timeout 120 .venv/bin/ansible-galaxy collection install --force "$DDX_DATADOG_DD_SRC" -p .collections 2>&1); then
    say "datadog.dd: installed from $DDX_DATADOG_DD_SRC into .collections ($(dd_list | awk '{print $2}'))"
  else
    say "datadog.dd: could not install from $DDX_DATADOG_DD_SRC: $(tail -1 <<<"$out")"
    exit 1
  fi
elif found=$(dd_list) && [ -n "$found" ]; then
  say "datadog.dd: present ($(awk '{print $1" "$2}' <<<"$found"))"
elif timeout 60 .venv/bin/ansible-galaxy collection install datadog.dd -p .collections >/dev/null 2>&1; then
  say "datadog.dd: installed from Galaxy into .collections ($(dd_list | awk '{print $2}'))"
else
  say "datadog.dd: not installed (Galaxy unreachable; DDX_DATADOG_DD_SRC=<tarball|dir|url> installs it) - agent_datadog_dd will be skipped"
fi

# --- ansible-test offline pip bootstrap ------------------------------------------------------
pip_ver=$(.venv/bin/python - <<'PY'
import re, pathlib, ansible_test
src = pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
m = re.search(r"pip='([0-9.]+)'", src.read_text())
print(m.group(1) if m else "")
PY
)
if [ -n "$pip_ver" ]; then
  mkdir -p ~/.ansible/test/cache
  cp scripts/dev/get_pip_offline.py ~/.ansible/test/cache/"get_pip_${pip_ver//./_}.py"
fi

# --- lab images ----------------------------------------------------------------------------
read -r -a releases <<<"${DDX_LAB_RELEASES:-11 12 13}"
lab/images/build.sh "${releases[@]}" 2> >(grep -v -E 'DEPRECATED|legacy builder|buildx|docs.docker.com|^\s*$' >&2)

say "done in $(( $(date +%s) - t0 )) s"
