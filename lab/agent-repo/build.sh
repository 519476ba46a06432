#!/usr/bin/env bash
# Build the lab's agent repository: a signed apt repository, laid out like Datadog's
# (`deb [signed-by=…] URL stable 7`), serving a `datadog-agent` LAB STAND-IN package, its embedded
# Python (`datadog-agent-lab-python3.X`, see below) and a `datadog-signing-keys` LAB STAND-IN (the
# lab's key where Datadog's package puts Datadog's keys).
#
#   lab/agent-repo/build.sh            build what changed (fast no-op when nothing did)
#   lab/agent-repo/build.sh --force    rebuild the environments, the packages and the repository
#
# Output: .cache/lab/apt/
#   dists/stable/{Release,Release.gpg,InRelease}, dists/stable/7/binary-amd64/Packages{,.gz}
#   pool/7/d/datadog-agent/datadog-agent_<version>_amd64.deb
#   pool/7/d/datadog-agent/datadog-agent-lab-python3.X_<version>_amd64.deb   (one per Python)
#   pool/7/d/datadog-signing-keys/datadog-signing-keys_<version>_all.deb
#   keys/DATADOG_APT_KEY_CURRENT.public   (the lab's throwaway signing key, armored)
# Wheelhouses (controller side; nodes have no PyPI) are cached in .cache/lab/wheels/.
# Like the real package, the stand-in installs a ready embedded Python (nothing is built on the
# host). The real one brings its own interpreter, so one package fits every release; the stand-in
# runs on the host's python3, so each Debian Python gets its environments (/opt/datadog-agent/embedded
# and lab/trace-venv, cached in .cache/lab/envs/pyXY), built here in the matching lab image
# (ddx-lab:debian-NN, no network) from the wheelhouses, and packaged as
# `datadog-agent-lab-python3.X` (Depends: that python3). `datadog-agent` depends on one of them and
# apt picks the one the host's python3 satisfies; each depends back on `datadog-agent` (= version),
# so removing or purging datadog-agent removes it too. (One package carrying all three installs
# 20,000 files: slower than the virtualenvs it replaces.)
# Host tools: python venv (.venv) with pip, dpkg-deb (dpkg), apt-ftparchive (apt-utils), gpg,
# docker with the lab images (lab/images/build.sh).
set -euo pipefail
# dpkg-deb would clamp file times to it: the environments' byte-code records their sources' times
unset SOURCE_DATE_EPOCH

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
declare -A lab_image=([3.9]=ddx-lab:debian-11 [3.11]=ddx-lab:debian-12 [3.13]=ddx-lab:debian-13)
pip_tool=25.3                        # the pip that installs the wheels (the newest one for 3.9)
# Debian 11's Python 3.9 cannot take the [deps] pins of current datadog-checks-base (they need
# 3.10+ wheels): there the base is installed without them and these deps resolved for 3.9.
checks_deps_py39=(binary cachetools cryptography ddtrace jellyfish lazy-loader prometheus-client
  protobuf pydantic python-dateutil pyyaml requests requests-toolbelt requests-unixsocket2
  simplejson urllib3 wrapt)

say() { printf '[agent-repo] %s\n' "$*"; }
die() { printf '[agent-repo] ERROR: %s\n' "$*" >&2; exit 1; }

for tool in dpkg-deb apt-ftparchive gpg sha256sum docker; do
  command -v "$tool" >/dev/null || die "$tool is missing (apt-get install dpkg-dev apt-utils gnupg docker.io)"
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
# pip itself runs from its wheel (python pip.whl/pip install ...): the images have no pip and
# need none; the environments are built without pip, as nothing on a host installs into them
wheelhouse tools 3.9 -- --no-deps "pip==$pip_tool"
pip_whl=$(cd "$wheel_dir/tools-py39" && ls pip-"$pip_tool"-*.whl)

# --- embedded environments (one per Python, built in the matching lab image) -------------------
# Built at their final paths (/opt/datadog-agent/embedded, /opt/datadog-agent/lab/trace-venv): the
# scripts' shebangs and pyvenv.cfg are right as packaged. No pip in them (nothing installs there).
# shellcheck disable=SC2016 # expanded by the container's shell
env_script='set -eu
# pip on sysconfig paths, as it is by default on 3.10+ (its 3.9 default needs distutils, absent)
pip="import runpy, sys, sysconfig; sysconfig._PIP_USE_SYSCONFIG = True
sys.path.insert(0, \"/tools/$PIP_WHL\"); runpy.run_module(\"pip\", run_name=\"__main__\")"
install() { # VENV WHEELHOUSE
  python3 -m venv --without-pip "$1"
  "$1/bin/python3" -c "$pip" install --quiet --no-index --no-deps --disable-pip-version-check \
    --no-warn-script-location "$2"/*.whl
}
install /opt/datadog-agent/embedded /wheels/checks
install /opt/datadog-agent/lab/trace-venv /wheels/trace
for b in trace-agent process-agent security-agent system-probe; do
  ln -s "/opt/datadog-agent/lab/bin/$b" "/opt/datadog-agent/embedded/bin/$b"
done
/opt/datadog-agent/embedded/bin/python3 -c "import datadog_checks.base"
/opt/datadog-agent/lab/trace-venv/bin/python3 -c "import ddapm_test_agent.agent"
cp -a /opt/datadog-agent/embedded /opt/datadog-agent/lab/trace-venv /out/'

env_dir=$cache/envs
envs=()          # the Pythons with an environment
declare -A env_spec=() building=()
for py in "${pythons[@]}"; do
  image=${lab_image[$py]}
  tag=py${py/./}
  if ! image_id=$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null); then
    say "WARNING: $image is missing (lab/images/build.sh): no embedded Python $py, the agent will not install there"
    continue
  fi
  envs+=("$py")
  env_spec[$py]=$(
    {
      printf '%s\n' "$image_id" "$pip_whl" "$env_script"
      cd "$wheel_dir" && ls "checks-$tag" "trace-$tag"
    } | sha256sum | cut -c1-16
  )
  dest=$env_dir/$tag
  [ $force = 0 ] && [ -f "$dest/.spec-${env_spec[$py]}" ] && continue
  say "embedded Python $py: building in $image"
  rm -rf "$dest.tmp"
  mkdir -p "$dest.tmp"
  docker run --rm --network none --entrypoint /bin/sh -e PIP_WHL="$pip_whl" \
    -v "$wheel_dir/checks-$tag:/wheels/checks:ro" -v "$wheel_dir/trace-$tag:/wheels/trace:ro" \
    -v "$wheel_dir/tools-py39:/tools:ro" -v "$dest.tmp:/out" "$image" -c "$env_script" \
    >"$dest.log" 2>&1 &
  building[$py]=$!
done
for py in "${!building[@]}"; do
  dest=$env_dir/py${py/./}
  if ! wait "${building[$py]}"; then
    cat "$dest.log" >&2
    die "building the embedded Python $py in ${lab_image[$py]} failed"
  fi
  rm -rf "$dest"
  mv "$dest.tmp" "$dest"
  touch "$dest/.spec-${env_spec[$py]}"
  rm -f "$dest.log"
done
[ ${#envs[@]} -gt 0 ] || die "no lab image found (run lab/images/build.sh)"

# --- up to date? -------------------------------------------------------------------------------
inputs_hash=$(
  {
    printf '%s\n' "$agent_version" "$deb_version" "$keys_version" "$checks_base" "$test_agent"
    for py in "${envs[@]}"; do echo "$py ${env_spec[$py]}"; done
    cat "$0"
    (cd "$here/package" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
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
  "$stage/usr/bin" "$stage/var/log/datadog"
pkg=$here/package
install -m 0755 "$pkg/bin/agent" "$stage/opt/datadog-agent/bin/agent/agent"
install -m 0755 "$pkg/bin/trace-agent" "$stage/opt/datadog-agent/lab/bin/trace-agent"
# the real package's other daemons (units below); stand-ins, see each file. The embedded Python's
# embedded/bin links to them.
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
Depends: python3 (>= 3.9), $(for py in "${envs[@]}"; do echo "datadog-agent-lab-python$py (= $deb_version)"; done | sort -rV | paste -sd'|' | sed 's/|/ | /g')
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

# the embedded Pythons: built once per environment, version and postrm (a change to the stand-in's
# own files rebuilds only datadog-agent), from the cached environment hard-linked into the stage
for py in "${envs[@]}"; do
  name=datadog-agent-lab-python$py
  env_deb=$env_dir/$name-$(
    printf '%s\n' "${env_spec[$py]}" "$deb_version" "$checks_base" "$test_agent" \
      | cat - "$pkg/debian/embedded-python.postrm" | sha256sum | cut -c1-16
  ).deb
  if [ $force = 1 ] || [ ! -f "$env_deb" ]; then
    estage=$build/$name
    mkdir -p "$estage/DEBIAN" "$estage/opt/datadog-agent/lab"
    cp -al "$env_dir/py${py/./}/embedded" "$estage/opt/datadog-agent/"
    cp -al "$env_dir/py${py/./}/trace-venv" "$estage/opt/datadog-agent/lab/"
    install -m 0755 "$pkg/debian/embedded-python.postrm" "$estage/DEBIAN/postrm"
    cat >"$estage/DEBIAN/control" <<EOT
Package: $name
Version: $deb_version
Architecture: amd64
Maintainer: datadog_exercise lab <lab-apt@invalid>
Installed-Size: $(du -sk --exclude=DEBIAN "$estage" | cut -f1)
Depends: python3 (>= $py~), python3 (<< ${py%.*}.$((${py#*.} + 1))~), datadog-agent (= $deb_version)
Provides: datadog-agent-lab-python
Conflicts: datadog-agent-lab-python
Replaces: datadog-agent-lab-python
Section: utils
Priority: extra
Homepage: https://docs.datadoghq.com/agent/
Description: LAB STAND-IN for the Datadog Agent's embedded Python (Python $py)
 The lab datadog-agent stand-in's /opt/datadog-agent/embedded (datadog-checks-base
 $checks_base) and its trace agent's environment (ddapm-test-agent $test_agent), ready
 for Debian's python3 $py. Installed with datadog-agent, which picks the one
 matching the host's python3.
EOT
    say "building ${name}_${deb_version#*:}_amd64.deb"
    rm -f "$env_dir/$name"-*.deb
    dpkg-deb --root-owner-group -Zgzip -z6 --build "$estage" "$env_deb.tmp" >/dev/null
    mv "$env_deb.tmp" "$env_deb"
  fi
  ln -f "$env_deb" "$pool/${name}_${deb_version#*:}_amd64.deb"
done

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
say "repository built: $apt_dir (datadog-agent $deb_version, $(du -ch "$pool"/*.deb | tail -1 | cut -f1) with ${#envs[@]} embedded Pythons, datadog-signing-keys $keys_version, key $fingerprint)"
