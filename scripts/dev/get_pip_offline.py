"""Offline stand-in for ansible-test's pip bootstrap script (get-pip-X.Y.py).

ansible-test downloads its pip bootstrap script from a host that is unreachable here. This
replacement bootstraps pip with the interpreter's own ``ensurepip`` and then installs the pins
ansible-test asks for (e.g. ``pip==24.2``) from the package index, which is reachable.
`make setup` copies it to ``~/.ansible/test/cache/get_pip_<version>.py``.
"""

from __future__ import annotations

import subprocess
import sys


def main(argv: list[str]) -> int:
    args = [a for a in argv if a not in ("--no-setuptools", "--no-wheel")]
    subprocess.run([sys.executable, "-m", "ensurepip", "--default-pip"], check=True)
    if args:
        subprocess.run([sys.executable, "-m", "pip", "install", "--upgrade", *args], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
