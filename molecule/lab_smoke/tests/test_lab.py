"""The lab's containers are real systemd hosts with a working apt."""

from __future__ import annotations


def test_systemd_is_pid_1_and_running(host):
    assert host.file("/proc/1/comm").content_string.strip() == "systemd"
    state = host.run("systemctl is-system-running --wait").stdout.strip()
    assert state in ("running", "degraded"), state


def test_journald_is_active(host):
    assert host.service("systemd-journald").is_running


def test_apt_installed_package_from_mirror(host):
    pkg = host.package("tree")
    assert pkg.is_installed
    assert host.run("tree --version").rc == 0


def test_apt_reaches_the_mirror(host):
    policy = host.run("apt-cache policy tree").stdout
    assert "debian.org" in policy or "deb.debian" in policy, policy


def test_python_and_tools_for_ansible_and_testinfra(host):
    assert host.exists("python3")
    assert host.exists("ss")
    assert host.exists("ps")


def test_release_matches_platform(host):
    name = host.backend.get_hostname()
    expected = {"debian11": "11", "debian12": "12", "debian13": "13"}
    release = host.system_info.release or ""
    for suffix, major in expected.items():
        if name.endswith(suffix):
            assert release.split(".")[0] == major, (name, release)
            return
    raise AssertionError(f"unexpected platform {name}")
