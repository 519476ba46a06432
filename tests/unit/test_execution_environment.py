"""The execution environment's definition agrees with the collection (cheap checks; the image
itself is built and run by `make ee` / `make ee-test`, scripts/ee/)."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEFINITION = yaml.safe_load((REPO / "execution-environment.yml").read_text())


def _prepare() -> ModuleType:
    path = REPO / "scripts" / "ee" / "prepare.py"
    spec = importlib.util.spec_from_file_location("ee_prepare", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["ee_prepare"] = module
    spec.loader.exec_module(module)
    return module


def test_definition_is_schema_3_with_the_collections_requirements() -> None:
    assert DEFINITION["version"] == 3
    deps = DEFINITION["dependencies"]
    # The collection's own Python/system needs come through its meta/execution-environment.yml,
    # not a copy here that could drift.
    assert "python" not in deps and "system" not in deps
    assert (REPO / deps["galaxy"]).is_file()
    # Python 3.11: ansible-core 2.19 is the last line that runs on it as a controller.
    assert deps["ansible_core"]["package_pip"].startswith("ansible-core>=2.19,<2.20")


def test_ee_collections_cover_galaxy_yml_with_the_same_ranges() -> None:
    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text())
    wanted = {
        c["name"]: c.get("version")
        for c in yaml.safe_load((REPO / DEFINITION["dependencies"]["galaxy"]).read_text())["collections"]
    }
    assert f"{galaxy['namespace']}.{galaxy['name']}" in wanted
    for fqcn, spec in galaxy["dependencies"].items():
        assert wanted.get(fqcn) == spec, (fqcn, wanted.get(fqcn), spec)
    assert "community.docker" in wanted  # lab hosts (and container hosts) are reached with it


def test_offline_and_ordinary_modes_differ_only_in_build_arguments() -> None:
    """The offline switches are ARGs with ordinary defaults, so a plain `ansible-builder build`
    is the ordinary mode."""
    steps = DEFINITION["additional_build_steps"]
    text = yaml.safe_dump(steps)
    assert "ARG EE_WHEELHOUSE_URL" in steps["prepend_base"]
    assert "ARG EE_GALAXY_EXTRA=datadog.dd" in steps["append_galaxy"]
    assert "rm -f /etc/pip.conf" in text  # the offline pip setting does not stay in the image
    assert "127.0.0.1" not in text and "ddx-lab" not in text


def test_input_hash_follows_the_collection_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prepare = _prepare()
    galaxy = shutil.which("ansible-galaxy", path=str(Path(sys.executable).parent)) or "ansible-galaxy"
    collections = tmp_path / "collections"
    collections.mkdir()
    monkeypatch.setattr(prepare, "COLLECTIONS", collections)
    tarball = prepare.build_checkout(galaxy, REPO, collections)
    first = prepare.input_hash(["base=x"])
    # A rebuilt artifact of the same content has other timestamps but the same hash.
    prepare.build_checkout(galaxy, REPO, collections)
    assert prepare.input_hash(["base=x"]) == first
    assert prepare.input_hash(["base=y"]) != first
    # Another collection content (here: another artifact) gives another hash.
    tarball.unlink()
    src = prepare.installed_collection("community.mysql")
    if src is None:
        pytest.skip("community.mysql is not installed with this Python's ansible package")
    prepare.artifact_from_installed(src, collections)
    assert prepare.input_hash(["base=x"]) != first
