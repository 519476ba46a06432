"""Galaxy users get what the shipped roles need: declared dependencies, resolvable offline.

A controller with only ansible-core has none of the community collections. The artifact must
declare the ones its roles use, so ``ansible-galaxy collection install`` brings them; without
them the site fails mid-run (after the agent is installed) on the database role's modules.
The dependency tarballs are made here from the collections the pip ``ansible`` package ships
(Galaxy is unreachable), and nothing outside the isolated path is searched.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from ansible.module_utils.compat.version import LooseVersion

REPO = Path(__file__).resolve().parents[2]
# The artifact recipe is shared with the execution environment's build (scripts/ee).
sys.path.insert(0, str(REPO / "scripts" / "ee"))
import collection_artifacts  # noqa: E402

BIN = str(Path(sys.executable).parent)
GALAXY = shutil.which("ansible-galaxy", path=BIN) or shutil.which("ansible-galaxy") or "ansible-galaxy"
PLAYBOOK = (
    shutil.which("ansible-playbook", path=BIN) or shutil.which("ansible-playbook") or "ansible-playbook"
)
SHIPPED = ("roles", "plugins", "playbooks")
# Collections a shipped file may name without a hard dependency: ansible-core's own, this
# collection, and the optional datadog.dd backend (checked for at run time, documented).
NOT_DEPENDENCIES = {"ansible.builtin", "ansible.legacy", "datadog_exercise.stack", "datadog.dd"}
# Task files of the database role that use community.* modules, imported statically so that
# every action is resolved when the playbook is loaded (the role itself includes them dynamically).
DB_TASK_FILES = ("mysql", "postgresql", "app_mysql", "app_postgresql")


def _declared() -> dict[str, str]:
    return yaml.safe_load((REPO / "galaxy.yml").read_text())["dependencies"] or {}


def _used_collections() -> set[str]:
    used: set[str] = set()
    for top in SHIPPED:
        for path in (REPO / top).rglob("*"):
            if path.suffix not in (".yml", ".yaml", ".j2") or not path.is_file():
                continue
            for line in path.read_text().splitlines():
                stripped = line.strip()
                # module/action keys and module_defaults groups: `community.mysql.mysql_user:`
                match = re.match(r"^(?:- )?(?:group/)?([a-z_]+\.[a-z_]+)\.[a-z_]+:", stripped)
                if match:
                    used.add(match.group(1))
                match = re.match(r"^(?:- )?name: ([a-z_]+\.[a-z_]+)\.[a-z_]+$", stripped)
                if match and "include_role" in path.read_text():
                    used.add(match.group(1))
    return used - NOT_DEPENDENCIES


def test_galaxy_yml_declares_every_collection_the_shipped_content_uses() -> None:
    used = _used_collections()
    assert {"community.mysql", "community.postgresql"} <= used, used
    declared = _declared()
    assert used <= set(declared), f"used but not declared in galaxy.yml: {sorted(used - set(declared))}"
    for name, spec in declared.items():
        # A range with a floor and a ceiling: a new major must be tested before users get it.
        assert re.fullmatch(r">=\d+\.\d+\.\d+,<\d+\.\d+\.\d+", spec), (name, spec)


def _pip_collection(fqcn: str) -> Path:
    path = collection_artifacts.installed_collection(fqcn)
    if path is None:
        pytest.skip(f"{fqcn} is not shipped in this Python's ansible package")
    return path


@pytest.fixture(scope="module")
def tarballs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    assert GALAXY, "ansible-galaxy not found"
    out = tmp_path_factory.mktemp("galaxy-deps")
    subprocess.run(
        [GALAXY, "collection", "build", "--force", "--output-path", str(out), str(REPO)], check=True
    )
    result = {"datadog_exercise.stack": next(out.glob("datadog_exercise-stack-*.tar.gz"))}
    for fqcn, spec in _declared().items():
        tarball, version = collection_artifacts.artifact_from_installed(_pip_collection(fqcn), out)
        low, high = (part.lstrip("<>=") for part in spec.split(","))
        assert LooseVersion(low) <= LooseVersion(version) < LooseVersion(high), (fqcn, version, spec)
        result[fqcn] = tarball
    return result


def _env(path: Path) -> dict[str, str]:
    # Only the isolated path: not the checkout's .collections, not the pip package's copies.
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(path),
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCALHOST_WARNING="false",
    )
    return env


def _install(tarballs: list[Path], path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GALAXY, "collection", "install", "--offline", "-p", str(path), *map(str, tarballs)],
        env=_env(path),
        capture_output=True,
        text=True,
        check=False,
    )


def _run_site_and_role(path: Path) -> list[subprocess.CompletedProcess[str]]:
    stack = path / "ansible_collections" / "datadog_exercise" / "stack"
    role_play = path / "db_role.yml"
    role_play.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "Load every database task file of the installed role",
                    "hosts": "localhost",
                    "gather_facts": False,
                    "tasks": [
                        {
                            "name": f"Import the database role's {name} tasks",
                            "ansible.builtin.import_role": {
                                "name": "datadog_exercise.stack.database",
                                "tasks_from": name,
                            },
                            "when": False,
                        }
                        for name in DB_TASK_FILES
                    ],
                }
            ],
            sort_keys=False,
        )
    )
    runs = []
    for args in (
        ["--syntax-check", str(stack / "site.yml")],
        [str(role_play), "-e", "database_engine=postgresql"],
    ):
        runs.append(
            subprocess.run(
                [PLAYBOOK, "-i", "localhost,", "-c", "local", *args],
                env=_env(path),
                capture_output=True,
                text=True,
                cwd=str(path),
                check=False,
            )
        )
    return runs


def test_install_without_its_dependencies_is_refused(tarballs: dict[str, Path], tmp_path: Path) -> None:
    run = _install([tarballs["datadog_exercise.stack"]], tmp_path)
    assert run.returncode != 0
    assert "community.mysql" in run.stdout + run.stderr or "community.postgresql" in run.stdout + run.stderr


def test_installed_with_dependencies_the_site_and_a_role_load(
    tarballs: dict[str, Path], tmp_path: Path
) -> None:
    run = _install(list(tarballs.values()), tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    for fqcn in tarballs:
        assert (tmp_path / "ansible_collections" / fqcn.replace(".", "/") / "MANIFEST.json").is_file(), fqcn
    for run in _run_site_and_role(tmp_path):
        assert run.returncode == 0, run.stdout + run.stderr
        assert "couldn't resolve module/action" not in run.stdout + run.stderr


def test_without_the_dependencies_the_role_cannot_load(tarballs: dict[str, Path], tmp_path: Path) -> None:
    """The check above can fail: the stack alone (forced past the resolver) does not load."""
    subprocess.run(
        [
            GALAXY,
            "collection",
            "install",
            "--offline",
            "--no-deps",
            "-p",
            str(tmp_path),
            str(tarballs["datadog_exercise.stack"]),
        ],
        env=_env(tmp_path),
        check=True,
        capture_output=True,
    )
    _site, role = _run_site_and_role(tmp_path)
    assert role.returncode != 0
    assert "couldn't resolve module/action 'community." in role.stdout + role.stderr, (
        role.stdout + role.stderr
    )


def test_requirements_yml_pins_the_same_ranges_as_galaxy_yml() -> None:
    """Developers test with what Galaxy users get: one range per runtime dependency."""
    dev = {
        c["name"]: c.get("version")
        for c in yaml.safe_load((REPO / "requirements.yml").read_text())["collections"]
    }
    for fqcn, spec in _declared().items():
        assert dev.get(fqcn) == spec, (fqcn, dev.get(fqcn), spec)
