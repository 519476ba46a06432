#!/usr/bin/env bash
# Build the lab's agent repository: a signed apt repository, laid out like Datadog's
# (`deb [signed-by=…] URL stable 7`), serving a `datadog-agent` LAB STAND-IN package and a
# `datadog-signing-keys` LAB STAND-IN (the lab's key where Datadog's package puts Datadog's keys).
#
#   lab/agent-repo/build.sh            build what changed (fast no-op when nothing did)
#   lab/agent-repo/build.sh --force    rebuild the package and the repository
#
# Output: .cache/lab/apt/
#   dists/stable/{Release,Release.gpg,InRelease}, dists/stable/7/binary-amd64/Packages{,.gz}
#   pool/7/d/datadog-agent/datadog-agent_<version>_amd64.deb
#   pool/7/d/datadog-signing-keys/datadog-signing-keys_<version>_all.deb
#   keys/DATADOG_APT_KEY_CURRENT.public   (the lab's throwaway signing key, armored)
# Wheelhouses (controller side; nodes have no PyPI) are cached in .cache/lab/wheels/.
# Host tools: python venv (.venv) with pip, dpkg-deb (dpkg), apt-ftparchive (apt-utils), gpg.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${DDX_LAB_CACHE:-$root/.cache/lab}
apt_dir=$cache/apt
wheel_dir=$cache/wheels
gnupg_dir=$cache/gnupg
pip=${DDX_LAB_PIP:-$root/.venv/bin/pip}
force=0
[ "${1:-}" = --force ] && force=1

# --- what goes in ------------------------------------------------------------------------------
agent_version=7.72.0                 # the real agent release whose layout/CLI is imitated
deb_version="1:${agent_version}~lab-1"
keys_version="1:1.4.0~lab-1"          # datadog-signing-keys, versioned like Datadog's (epoch 1)
checks_base=38.5.0                   # datadog-checks-base, as the agent's embedded Python has it
test_agent=1.69.1                    # ddapm-test-agent (the trace intake)
pythons=(3.9 3.11 3.13)              # Debian 11, 12, 13
# Debian 11's Python 3.9 cannot take the [deps] pins of current datadog-checks-base (they need
# 3.10+ wheels): there the base is installed without them and these deps resolved for 3.9.
checks_deps_py39=(binary cachetools cryptography ddtrace jellyfish lazy-loader prometheus-client
  protobuf pydantic python-dateutil pyyaml requests requests-toolbelt requests-unixsocket2
  simplejson urllib3 wrapt)

say() { printf '[agent-repo] %s\n' "$*"; }
die() { printf '[agent-repo] ERROR: %s\n' "$*" >&2; exit 1; }

for tool in dpkg-deb apt-ftparchive gpg sha256sum; do
  command -v "$tool" >/dev/null || die "$tool is missing (apt-get install dpkg-dev apt-utils gnupg)"
done
[ -x "$pip" ] || die "$pip is missing (run scripts/setup.sh first)"

# --- wheelhouses -------------------------------------------------------------------------------
platform_args=(--only-binary=:all: --implementation cp --platform manylinux2014_x86_64
  --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 --platform linux_x86_64
  --platform any)

wheelhouse() { # NAME PYVER -- pip download args...
  local name=$1 pyver=$2; shift 3
  local dest="$wheel_dir/$name-py${pyver/./}" spec stamp
  spec=$(printf '%s\n' "$pyver" "$@" | sha256sum | cut -c1-16)
  stamp="$dest/.spec-$spec"
  if [ -f "$stamp" ]; then
    return 0
  fi
  say "wheelhouse $name for Python $pyver: downloading"
  rm -rf "$dest.tmp"
  mkdir -p "$dest.tmp"
  if ! "$pip" download --quiet --disable-pip-version-check --python-version "$pyver" \
    "${platform_args[@]}" -d "$dest.tmp" "$@" 2> >(grep -v '^WARNING: Location' >&2); then
    die "pip download failed for $name (Python $pyver)"
  fi
  rm -rf "$dest"
  mv "$dest.tmp" "$dest"
  touch "$stamp"
}

mkdir -p "$wheel_dir"
for py in "${pythons[@]}"; do
  if [ "$py" = 3.9 ]; then
    wheelhouse checks "$py" -- "${checks_deps_py39[@]}"
    # the base itself, without its (3.10+) pins
    base_dir="$wheel_dir/checks-py39"
    if ! ls "$base_dir"/datadog_checks_base-"$checks_base"-*.whl >/dev/null 2>&1; then
      "$pip" download --quiet --disable-pip-version-check --python-version "$py" "${platform_args[@]}" \
        --no-deps -d "$base_dir" "datadog-checks-base==$checks_base" 2> >(grep -v '^WARNING: Location' >&2)
    fi
    wheelhouse trace "$py" -- "ddapm-test-agent==$test_agent" "async-timeout<6"
  else
    wheelhouse checks "$py" -- "datadog-checks-base[deps]==$checks_base"
    wheelhouse trace "$py" -- "ddapm-test-agent==$test_agent"
  fi
done

# --- up to date? -------------------------------------------------------------------------------
inputs_hash=$(
  {
    printf '%s\n' "$agent_version" "$deb_version" "$keys_version" "$checks_base" "$test_agent" "${pythons[@]}"
    cat "$0"
    (cd "$here/package" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
    (cd "$wheel_dir" && find . -name '*.whl' -print | sort)
  } | sha256sum | cut -c1-16
)
deb_name="datadog-agent_${deb_version#*:}_amd64.deb"
pool="$apt_dir/pool/7/d/datadog-agent"
keys_deb_name="datadog-signing-keys_${keys_version#*:}_all.deb"
keys_pool="$apt_dir/pool/7/d/datadog-signing-keys"
if [ $force = 0 ] && [ -f "$apt_dir/.inputs-$inputs_hash" ] && [ -f "$pool/$deb_name" ] && [ -f "$keys_pool/$keys_deb_name" ] \
  && [ -f "$apt_dir/dists/stable/InRelease" ] && [ -f "$apt_dir/keys/DATADOG_APT_KEY_CURRENT.public" ]; then
  say "repository up to date ($apt_dir, datadog-agent $deb_version)"
  exit 0
fi

# --- signing key (throwaway, kept across rebuilds) ---------------------------------------------
mkdir -p "$gnupg_dir"
chmod 700 "$gnupg_dir"
export GNUPGHOME=$gnupg_dir
key_uid="datadog_exercise lab apt repository (throwaway key, not Datadog's) <lab-apt@invalid>"
if ! gpg --batch --list-secret-keys "$key_uid" >/dev/null 2>&1; then
  say "generating the lab's throwaway signing key"
  gpg --batch --quiet --passphrase '' --pinentry-mode loopback \
    --quick-generate-key "$key_uid" rsa3072 sign 2y
fi
fingerprint=$(gpg --batch --with-colons --list-secret-keys "$key_uid" | awk -F: '/^fpr:/ {print $10; exit}')

# --- the package -------------------------------------------------------------------------------
build=$cache/build
stage=$build/root
rm -rf "$build"
mkdir -p "$stage/DEBIAN" "$stage/etc/datadog-agent/conf.d" "$stage/etc/datadog-agent/checks.d" \
  "$stage/lib/systemd/system" "$stage/opt/datadog-agent/bin/agent" "$stage/opt/datadog-agent/lab/bin" \
  "$stage/opt/datadog-agent/lab/wheels" "$stage/usr/bin" "$stage/var/log/datadog"
pkg=$here/package
install -m 0755 "$pkg/bin/agent" "$stage/opt/datadog-agent/bin/agent/agent"
install -m 0755 "$pkg/bin/trace-agent" "$stage/opt/datadog-agent/lab/bin/trace-agent"
# the real package's other daemons (units below); stand-ins, see each file. postinst links them
# into embedded/bin, which it rebuilds (the embedded Python).
for b in process-agent security-agent system-probe; do
  install -m 0755 "$pkg/bin/$b" "$stage/opt/datadog-agent/lab/bin/$b"
done
ln -s /opt/datadog-agent/bin/agent/agent "$stage/usr/bin/datadog-agent"
install -m 0644 "$pkg/datadog.yaml.example" "$stage/etc/datadog-agent/datadog.yaml.example"
# the units the real Agent 7 package ships for its daemons (datadog-agent, -trace, -process,
# -sysprobe, -security); the fleet installer's -exp/-installer/-ddot/-data-plane units are not imitated
install -m 0644 "$pkg/systemd/datadog-agent.service" "$pkg/systemd/datadog-agent-trace.service" \
  "$pkg/systemd/datadog-agent-process.service" "$pkg/systemd/datadog-agent-sysprobe.service" \
  "$pkg/systemd/datadog-agent-security.service" "$stage/lib/systemd/system/"
mkdir -p "$stage/opt/datadog-agent/lab/python"
(cd "$pkg/python" && find . -name '*.py' -print0 | xargs -0 -I{} install -D -m 0644 {} \
  "$stage/opt/datadog-agent/lab/python/{}")
echo "${agent_version}~lab" >"$stage/opt/datadog-agent/lab/VERSION"
for d in "$wheel_dir"/*-py*; do
  [ -d "$d" ] || continue
  mkdir -p "$stage/opt/datadog-agent/lab/wheels/$(basename "$d")"
  cp "$d"/*.whl "$stage/opt/datadog-agent/lab/wheels/$(basename "$d")/"
done
cat >"$stage/opt/datadog-agent/lab/README" <<EOT
This is a LAB STAND-IN for the Datadog Agent ${agent_version}, built by datadog_exercise.stack's
lab/agent-repo/build.sh. It mirrors the real package's layout and CLI; checks run for real with
datadog-checks-base ${checks_base}; nothing is sent to Datadog (samples go to
/var/log/datadog/lab-intake.jsonl); the trace-agent is Datadog's ddapm-test-agent ${test_agent}.
EOT
for s in postinst prerm postrm; do install -m 0755 "$pkg/debian/$s" "$stage/DEBIAN/$s"; done
installed_size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<EOT
Package: datadog-agent
Version: $deb_version
Architecture: amd64
Maintainer: datadog_exercise lab <lab-apt@invalid>
Installed-Size: $installed_size
Depends: python3 (>= 3.9), python3-venv
Section: utils
Priority: extra
Homepage: https://docs.datadoghq.com/agent/
Description: LAB STAND-IN for the Datadog Agent 7 (not the real agent)
 An offline lab's imitation of Datadog's datadog-agent package: same layout
 (/etc/datadog-agent, /opt/datadog-agent/bin/agent/agent, embedded Python,
 dd-agent user, datadog-agent, -trace, -process, -sysprobe and -security
 units) and the CLI
 commands tests need. Custom checks run for real with datadog-checks-base;
 nothing is sent to Datadog; the trace agent is Datadog's ddapm-test-agent.
EOT
mkdir -p "$pool"
rm -f "$pool"/*.deb
say "building $deb_name"
dpkg-deb --root-owner-group -Zgzip -z6 --build "$stage" "$pool/$deb_name" >/dev/null

# datadog-signing-keys: Datadog's package ships its keyring in /opt/datadog-signing-keys/ and its
# postinst copies it to /usr/share/keyrings/datadog-archive-keyring.gpg (the file the apt source's
# signed-by names; not owned by the package, so removing the package keeps apt working), and to
# /etc/apt/trusted.gpg.d/ on Debian < 9 / Ubuntu < 16. The stand-in does the same with the lab's key.
kstage=$build/keys-root
mkdir -p "$kstage/DEBIAN" "$kstage/opt/datadog-signing-keys"
gpg --batch --yes --export "$fingerprint" >"$kstage/opt/datadog-signing-keys/datadog-archive-keyring.gpg"
chmod 0644 "$kstage/opt/datadog-signing-keys/datadog-archive-keyring.gpg"
install -m 0755 "$pkg/debian/signing-keys.postinst" "$kstage/DEBIAN/postinst"
cat >"$kstage/DEBIAN/control" <<EOT
Package: datadog-signing-keys
Version: $keys_version
Architecture: all
Maintainer: datadog_exercise lab <lab-apt@invalid>
Installed-Size: $(du -sk --exclude=DEBIAN "$kstage" | cut -f1)
Section: utils
Priority: extra
Homepage: https://www.datadoghq.com
Description: LAB STAND-IN for datadog-signing-keys (the lab's key, not Datadog's)
 Installs the lab repository's throwaway signing key the way Datadog's
 datadog-signing-keys package installs Datadog's keys: the keyring is copied
 to /usr/share/keyrings/datadog-archive-keyring.gpg by postinst.
EOT
mkdir -p "$keys_pool"
rm -f "$keys_pool"/*.deb
say "building $keys_deb_name"
dpkg-deb --root-owner-group -Zgzip -z6 --build "$kstage" "$keys_pool/$keys_deb_name" >/dev/null

# --- the repository ----------------------------------------------------------------------------
dists=$apt_dir/dists/stable
rm -rf "$dists"
mkdir -p "$dists/7/binary-amd64" "$apt_dir/keys"
(cd "$apt_dir" && apt-ftparchive packages pool/7 >"$dists/7/binary-amd64/Packages")
gzip -9kf "$dists/7/binary-amd64/Packages"
apt-ftparchive \
  -o APT::FTPArchive::Release::Origin="datadog_exercise lab" \
  -o APT::FTPArchive::Release::Label="datadog-agent lab stand-in" \
  -o APT::FTPArchive::Release::Suite=stable -o APT::FTPArchive::Release::Codename=stable \
  -o APT::FTPArchive::Release::Architectures=amd64 -o APT::FTPArchive::Release::Components=7 \
  release "$dists" >"$build/Release"
mv "$build/Release" "$dists/Release"
gpg --batch --yes --local-user "$fingerprint" --clearsign -o "$dists/InRelease" "$dists/Release"
gpg --batch --yes --local-user "$fingerprint" --armor --detach-sign -o "$dists/Release.gpg" "$dists/Release"
gpg --batch --yes --armor --export "$fingerprint" >"$apt_dir/keys/DATADOG_APT_KEY_CURRENT.public"
echo "$fingerprint" >"$apt_dir/keys/FINGERPRINT"
rm -f "$apt_dir"/.inputs-*
touch "$apt_dir/.inputs-$inputs_hash"
rm -rf "$build"
say "repository built: $apt_dir (datadog-agent $deb_version, $(du -h "$pool/$deb_name" | cut -f1), datadog-signing-keys $keys_version, key $fingerprint)"
