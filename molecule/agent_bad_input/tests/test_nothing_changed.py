"""After every bad-input attempt, the host is untouched: the role failed before any change."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "path",
    [
        "/etc/apt/sources.list.d/datadog.list",
        "/usr/share/keyrings/datadog-archive-keyring.gpg",
        "/var/lib/datadog-exercise",
        "/etc/datadog-agent",
    ],
)
def test_nothing_written(host, path):
    assert not host.file(path).exists


def test_package_not_installed(host):
    assert not host.package("datadog-agent").is_installed
