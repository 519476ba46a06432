"""Galaxy artifacts (collection tarballs) without Galaxy.

- ``build_checkout``: this collection's artifact, built from the checkout with ``ansible-galaxy``.
- ``artifact_from_installed``: an artifact of an installed collection, e.g. one of the copies the
  pip ``ansible`` package ships. That package leaves some files out, so FILES.json (and its
  checksum in MANIFEST.json) is rewritten to the files that are there; ``ansible-galaxy collection
  install`` then verifies the result as it verifies any artifact.
- ``installed_collection``: where the pip ``ansible`` package (or any path on
  ``ansible_collections.__path__``) has a collection.

Used by the execution environment build (scripts/ee/prepare.py); the recipe is the one
tests/unit/test_galaxy_dependencies.py proved.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import tarfile
from pathlib import Path

import ansible_collections  # the pip `ansible` package's namespace (and any other on sys.path)
import yaml


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def installed_collection(fqcn: str) -> Path | None:
    """The installed copy of ``namespace.name`` that Python's ``ansible_collections`` package sees."""
    namespace, name = fqcn.split(".")
    for base in ansible_collections.__path__:
        path = Path(base) / namespace / name
        if (path / "MANIFEST.json").is_file():
            return path
    return None


def manifest(path: Path) -> dict:
    """collection_info of an installed collection."""
    return json.loads((path / "MANIFEST.json").read_text())["collection_info"]


def artifact_from_installed(src: Path, out: Path) -> tuple[Path, str]:
    """Write ``namespace-name-version.tar.gz`` of the collection installed at ``src`` into ``out``."""
    files = json.loads((src / "FILES.json").read_text())
    files["files"] = [f for f in files["files"] if f["name"] == "." or (src / f["name"]).exists()]
    files_json = json.dumps(files, indent=2).encode()
    data = json.loads((src / "MANIFEST.json").read_text())
    data["file_manifest_file"]["chksum_sha256"] = hashlib.sha256(files_json).hexdigest()
    info = data["collection_info"]
    tarball = out / f"{info['namespace']}-{info['name']}-{info['version']}.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        _add_bytes(tar, "MANIFEST.json", json.dumps(data, indent=2).encode())
        _add_bytes(tar, "FILES.json", files_json)
        for entry in files["files"]:
            if entry["name"] != ".":
                tar.add(src / entry["name"], entry["name"], recursive=False)
    return tarball, info["version"]


def build_checkout(galaxy: str, checkout: Path, out: Path) -> Path:
    """``ansible-galaxy collection build`` of ``checkout`` into ``out``; the tarball's path."""
    before = set(out.glob("*.tar.gz"))
    subprocess.run(
        [galaxy, "collection", "build", "--force", "--output-path", str(out), str(checkout)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    info = _galaxy_yml(checkout)
    tarball = out / f"{info['namespace']}-{info['name']}-{info['version']}.tar.gz"
    if not tarball.is_file():  # pragma: no cover - ansible-galaxy names it so
        raise FileNotFoundError(f"{tarball} not built (new files: {set(out.glob('*.tar.gz')) - before})")
    return tarball


def _galaxy_yml(checkout: Path) -> dict:
    return yaml.safe_load((checkout / "galaxy.yml").read_text())


def tarball_manifest(tarball: Path) -> bytes:
    """MANIFEST.json of an artifact: its version and the checksum of FILES.json, which holds the
    checksum of every file; so it names the content, whatever the tarball's timestamps."""
    with tarfile.open(tarball) as tar:
        member = tar.extractfile("MANIFEST.json")
        assert member is not None
        return member.read()
