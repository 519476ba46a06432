"""The agent stand-in's packages (lab/agent-repo/build.sh): like the real datadog-agent, the embedded
Python arrives ready in the package (one `datadog-agent-lab-python3.X` per Debian Python, chosen by
apt through datadog-agent's dependencies) and the maintainer scripts build nothing on the host.

The package tests run build.sh (a no-op when nothing changed) and read the .debs with dpkg-deb;
they are skipped where the lab cannot be built (no docker or no lab images)."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REPO_DIR = ROOT / "lab" / "agent-repo"
BUILD = REPO_DIR / "build.sh"
SCRIPTS = REPO_DIR / "package" / "debian"
CACHE = Path(os.environ.get("DDX_LAB_CACHE", ROOT / ".cache" / "lab"))
POOL = CACHE / "apt" / "pool" / "7" / "d" / "datadog-agent"


def _build_setting(name: str) -> str:
    match = re.search(rf"^{name}=(.*?)\s*(#.*)?$", BUILD.read_text(), re.MULTILINE)
    assert match, f"{name}= not found in build.sh"
    return match.group(1)


PYTHONS = _build_setting("pythons").strip("()").split()
AGENT_VERSION = _build_setting("agent_version")
DEB_VERSION = f"1:{AGENT_VERSION}~lab-1"
assert _build_setting("deb_version").strip('"') == "1:${agent_version}~lab-1"
# Building on the host: an environment, pip, a wheel, byte-compiling.
BUILDS_SOMETHING = re.compile(
    r"-m (venv|pip|compileall|py_compile|ensurepip)\b|\bpip3? install\b|\.whl\b|wheels"
)


@pytest.mark.parametrize("script", ["postinst", "prerm", "postrm", "embedded-python.postrm"])
def test_maintainer_scripts_build_nothing(script: str) -> None:
    code = [
        line
        for line in (SCRIPTS / script).read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert code, script
    assert not [line for line in code if BUILDS_SOMETHING.search(line)]


@pytest.fixture(scope="module")
def pool() -> Path:
    if shutil.which("docker") is None or shutil.which("dpkg-deb") is None:
        pytest.skip("needs docker and dpkg-deb (the lab's build tools)")
    if subprocess.run(
        ["docker", "image", "inspect", "ddx-lab:debian-12"], capture_output=True, check=False
    ).returncode:
        pytest.skip("the lab images are not built (lab/images/build.sh)")
    res = subprocess.run([str(BUILD)], capture_output=True, text=True, timeout=1800, check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    return POOL


def _deb(pool: Path, name: str) -> Path:
    return pool / f"{name}_{DEB_VERSION.split(':', 1)[1]}_amd64.deb"


def _field(deb: Path, name: str) -> str:
    return subprocess.run(
        ["dpkg-deb", "-f", str(deb), name], capture_output=True, text=True, check=True
    ).stdout.strip()


def _contents(deb: Path, *read: str) -> tuple[dict[str, tarfile.TarInfo], dict[str, str]]:
    """The data members of DEB by path (no leading ./) and the text of the READ ones, in one pass."""
    data = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], capture_output=True, check=True).stdout
    members: dict[str, tarfile.TarInfo] = {}
    texts: dict[str, str] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r|") as tar:
        for member in tar:
            path = member.name.removeprefix("./").rstrip("/")
            members[path] = member
            if path in read:
                handle = tar.extractfile(member)
                assert handle is not None, path
                texts[path] = handle.read().decode()
    assert set(texts) == set(read), set(read) - set(texts)
    return members, texts


def _control_files(deb: Path) -> set[str]:
    data = subprocess.run(["dpkg-deb", "--ctrl-tarfile", str(deb)], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name.removeprefix("./") for m in tar.getmembers() if m.isfile()}


def test_agent_package_depends_on_one_embedded_python_per_debian_python(pool: Path) -> None:
    deb = _deb(pool, "datadog-agent")
    alternatives = [
        f"datadog-agent-lab-python{py} (= {DEB_VERSION})"
        for py in sorted(PYTHONS, key=lambda v: -int(v.split(".")[1]))
    ]
    assert _field(deb, "Depends") == "python3 (>= 3.9), " + " | ".join(alternatives)
    agent = "opt/datadog-agent/bin/agent/agent"
    members, texts = _contents(deb, agent)
    # the environment is not in datadog-agent itself, nor are wheels to build it from
    assert not [m for m in members if m.startswith("opt/datadog-agent/embedded") or m.endswith(".whl")]
    assert texts[agent].startswith("#!/opt/datadog-agent/embedded/bin/python3\n")


@pytest.mark.parametrize("python", PYTHONS)
def test_embedded_python_package_ships_the_ready_environment(pool: Path, python: str) -> None:
    name = f"datadog-agent-lab-python{python}"
    deb = _deb(pool, name)
    minor = int(python.split(".")[1])
    assert _field(deb, "Depends") == (
        f"python3 (>= {python}~), python3 (<< 3.{minor + 1}~), datadog-agent (= {DEB_VERSION})"
    )
    embedded = "opt/datadog-agent/embedded"
    site = f"{embedded}/lib/python{python}/site-packages"
    trace = "opt/datadog-agent/lab/trace-venv"
    members, texts = _contents(deb, f"{embedded}/pyvenv.cfg", f"{trace}/bin/ddapm-test-agent")
    assert members[f"{embedded}/bin/python3"].linkname == "/usr/bin/python3"
    assert "home = /usr/bin" in texts[f"{embedded}/pyvenv.cfg"]
    assert members[f"{site}/datadog_checks/base/__init__.py"].isfile()
    # byte-code compiled at build time by this very Python (the host writes none)
    assert members[f"{site}/datadog_checks/base/__pycache__/__init__.cpython-3{minor}.pyc"].isfile()
    assert [m for m in members if m.startswith(f"{site}/datadog_checks_base-") and m.endswith(".dist-info")]
    for daemon in ("trace-agent", "process-agent", "security-agent", "system-probe"):
        assert members[f"{embedded}/bin/{daemon}"].linkname == f"/opt/datadog-agent/lab/bin/{daemon}"
    # the trace intake's environment, its script pointing at the installed path
    assert texts[f"{trace}/bin/ddapm-test-agent"].startswith(f"#!/{trace}/bin/python3\n")
    assert [m for m in members if m.startswith(f"{trace}/lib/python{python}/site-packages/ddapm_test_agent/")]
    # nothing to run at install time; postrm only clears what the agent wrote at run time
    assert _control_files(deb) == {"control", "postrm"}
