"""Inputs of the execution environment build (scripts/ee/build.sh; `make ee`).

prepare.py collections [--offline]
    Fill ee/collections with this collection's artifact, built from the checkout; with
    --offline also the collections ee/requirements.yml names and their dependencies, repacked
    from the pip `ansible` package (there is no Galaxy here).
prepare.py hash [KEY=VALUE ...]
    Print the SHA-256 of everything the image is made from: the EE definition and ee/ files,
    each collection artifact's MANIFEST.json (which checksums every file), and the given
    build settings (base image id, build arguments). Same hash, same image: the build is skipped.
prepare.py requirements OUT
    Write every Python requirement of the build to OUT (for the offline wheelhouse): pip and
    builder tools, ansible-core/runner from the definition, dumb-init, and the collections'
    requirements as ansible-builder's own introspection combines them.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from collection_artifacts import (
    artifact_from_installed,
    build_checkout,
    installed_collection,
    manifest,
    tarball_manifest,
)

REPO = Path(__file__).resolve().parents[2]
DEFINITION = REPO / "execution-environment.yml"
EE_DIR = REPO / "ee"
COLLECTIONS = EE_DIR / "collections"
BIN = Path(sys.executable).parent
# What ansible-builder's generated Containerfile installs with pip besides the requirements:
# the builder stage's tools and the final stage's init (options.container_init default).
BUILDER_TOOLS = ["bindep", "pyyaml", "packaging", "dumb-init==1.2.5"]


def _galaxy() -> str:
    return shutil.which("ansible-galaxy", path=str(BIN)) or "ansible-galaxy"


def _definition() -> dict:
    return yaml.safe_load(DEFINITION.read_text())


def _wanted_collections() -> list[str]:
    galaxy = _definition()["dependencies"]["galaxy"]
    data = yaml.safe_load((REPO / galaxy).read_text())
    return [entry["name"] for entry in data["collections"]]


def collections(offline: bool) -> list[Path]:
    for old in COLLECTIONS.glob("*.tar.gz"):
        old.unlink()
    own = build_checkout(_galaxy(), REPO, COLLECTIONS)
    made = [own]
    if offline:
        own_name = yaml.safe_load((REPO / "galaxy.yml").read_text())
        own_fqcn = f"{own_name['namespace']}.{own_name['name']}"
        todo = [name for name in _wanted_collections() if name != own_fqcn]
        done: set[str] = set()
        while todo:
            fqcn = todo.pop(0)
            if fqcn in done:
                continue
            src = installed_collection(fqcn)
            if src is None:
                raise SystemExit(
                    f"{fqcn}: not in this Python's ansible package; offline builds repack the "
                    "collections from there (pip install ansible, or `make setup`)"
                )
            tarball, _version = artifact_from_installed(src, COLLECTIONS)
            made.append(tarball)
            done.add(fqcn)
            todo.extend(manifest(src).get("dependencies") or {})
    for tarball in made:
        print(f"ee: collection {tarball.relative_to(REPO)}", file=sys.stderr)
    return made


def input_hash(settings: list[str]) -> str:
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    add("definition", DEFINITION.read_bytes())
    for path in sorted(p for p in EE_DIR.rglob("*") if p.is_file() and not p.name.endswith(".tar.gz")):
        add(str(path.relative_to(REPO)), path.read_bytes())
    for tarball in sorted(COLLECTIONS.glob("*.tar.gz")):
        add(tarball.name, tarball_manifest(tarball))
    for setting in sorted(settings):
        add("setting", setting.encode())
    return digest.hexdigest()


def _introspect_script(builder_python: Path) -> Path:
    out = subprocess.run(
        [
            str(builder_python),
            "-c",
            "import importlib.resources as r; "
            "print(r.files('ansible_builder._target_scripts') / 'introspect.py')",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(out.stdout.strip())


def requirements(out: Path, builder_python: Path) -> None:
    definition = _definition()
    deps = definition["dependencies"]
    lines = [deps["ansible_core"]["package_pip"], deps["ansible_runner"]["package_pip"], *BUILDER_TOOLS]
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        tarballs = sorted(COLLECTIONS.glob("*.tar.gz"))
        if not tarballs:
            raise SystemExit("ee/collections has no tarballs: run `prepare.py collections` first")
        subprocess.run(
            [_galaxy(), "collection", "install", "--offline", "--no-deps", "-p", tmp, *map(str, tarballs)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        exclude = tmp_path / "exclude-requirements.txt"
        exclude.write_text("\n".join(deps.get("exclude", {}).get("python", [])) + "\n")
        combined = tmp_path / "requirements.txt"
        args = [str(builder_python), str(_introspect_script(builder_python)), "introspect", tmp]
        args += [f"--exclude-pip-reqs={exclude}", f"--write-pip={combined}"]
        if deps.get("python"):
            args.append(f"--user-pip={REPO / deps['python']}")
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
        for line in combined.read_text().splitlines():
            # introspection appends "  # from collection X" to each line
            requirement = line.split("#", 1)[0].strip()
            if requirement:
                lines.append(requirement)
    out.write_text("\n".join(lines) + "\n")
    print(f"ee: {len(lines)} Python requirements -> {out}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_coll = sub.add_parser("collections")
    p_coll.add_argument("--offline", action="store_true")
    p_hash = sub.add_parser("hash")
    p_hash.add_argument("settings", nargs="*")
    p_req = sub.add_parser("requirements")
    p_req.add_argument("out", type=Path)
    p_req.add_argument("--builder-python", type=Path, required=True)
    args = parser.parse_args()
    if args.command == "collections":
        collections(args.offline)
    elif args.command == "hash":
        print(input_hash(args.settings))
    else:
        requirements(args.out, args.builder_python)
    return 0


if __name__ == "__main__":
    sys.exit(main())
