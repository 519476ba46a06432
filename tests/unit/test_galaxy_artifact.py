"""The Galaxy artifact holds the collection, not the lab or the tests, and installs offline."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
# The venv's ansible-galaxy, also when pytest is run without the venv on PATH.
GALAXY = shutil.which("ansible-galaxy", path=str(Path(sys.executable).parent)) or shutil.which(
    "ansible-galaxy"
)
FORBIDDEN_TOP = {"lab", "molecule", "tests", "benchmarks", ".ci", ".config", "scripts", ".venv", ".cache"}


@pytest.fixture(scope="module")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    galaxy = GALAXY
    assert galaxy, "ansible-galaxy not found"
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [galaxy, "collection", "build", "--force", "--output-path", str(out), str(REPO)],
        check=True,
    )
    tarballs = list(out.glob("datadog_exercise-stack-*.tar.gz"))
    assert len(tarballs) == 1
    return tarballs[0]


def test_artifact_excludes_lab_and_test_files(artifact: Path) -> None:
    with tarfile.open(artifact) as tar:
        names = tar.getnames()
    tops = {n.split("/", 1)[0] for n in names}
    assert not tops & FORBIDDEN_TOP, sorted(tops & FORBIDDEN_TOP)
    assert "MANIFEST.json" in names
    assert "meta/runtime.yml" in names
    assert not [n for n in names if n.startswith("inventories/lab")]


def test_artifact_declares_its_execution_environment_dependencies(artifact: Path) -> None:
    """ansible-builder reads meta/execution-environment.yml and the files it names from the
    installed collection: all of them must ship, and they must name what the modules need."""
    with tarfile.open(artifact) as tar:
        names = set(tar.getnames())
        ee_member = tar.extractfile("meta/execution-environment.yml")
        assert ee_member is not None, "meta/execution-environment.yml is not in the artifact"
        ee = yaml.safe_load(ee_member.read())
        deps = ee["dependencies"]
        assert set(deps) == {"python", "system"}, deps
        for path in deps.values():
            # Relative to the collection root, as ansible-builder requires.
            assert not path.startswith("/"), path
            assert path in names, f"{path} (named by meta/execution-environment.yml) is not in the artifact"
        python_member = tar.extractfile(deps["python"])
        assert python_member is not None
        python_reqs = python_member.read().decode()
    assert "datadog-api-client" in python_reqs
    # The build's own files stay out of the artifact.
    assert "execution-environment.yml" not in names
    assert not [n for n in names if n == "ee" or n.startswith("ee/")]


def test_artifact_installs_offline(artifact: Path, tmp_path: Path) -> None:
    galaxy = GALAXY
    assert galaxy
    # Only the target path is searched: the checkout's own .collections must not count as installed.
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(tmp_path)}
    subprocess.run(
        [galaxy, "collection", "install", "--offline", "--no-deps", "-p", str(tmp_path), str(artifact)],
        check=True,
        env=env,
    )
    installed = tmp_path / "ansible_collections" / "datadog_exercise" / "stack"
    assert (installed / "MANIFEST.json").is_file()
    assert (installed / "meta" / "runtime.yml").is_file()
