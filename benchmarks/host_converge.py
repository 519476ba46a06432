#!/usr/bin/env python3
"""Benchmark: the whole site playbook on 1, 5 and 20 fresh lab hosts (systemd containers).

For each host count, in one run: start that many fresh ``ddx-lab`` containers, run ``site.yml``
(converge), run it again (re-converge, which must change nothing), remove the containers. The
lab's agent repository and a fresh in-process API emulator stand in for Datadog, as in the demo.
Each run records wall time, changed counts per host, the CPU seconds spent by the controller
(Ansible and its workers) and inside the hosts (their cgroups), and the slowest tasks.

Ansible settings are a named tuning: ``tuned`` (forks = hosts, pipelining, the ``free``
strategy, smart gathering with a JSON fact cache) and ``defaults`` (Ansible's own: 5 forks, no
pipelining, ``linear``). ``--tunings 'tuned;defaults:1,20'`` gives a tuning its own host counts.

    .venv/bin/python benchmarks/host_converge.py [--hosts 1,5,20] [--tunings tuned]

Prints a table and writes ``benchmarks/results/host-converge-<UTC>.json`` (and
``host-converge-latest.json``). Quote ratios (N hosts / 1 host); every lab host shares this
machine's CPUs, which real VMs do not, so the CPU columns say how much of the growth is that.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import REPO, RESULTS, ansible_env, machine, utc_stamp, write_results
from dd_emulator import Emulator  # benchlib puts the lab on the path

API_KEY, APP_KEY = "lab-api-key", "lab-app-key"
PREFIX = "ddx-bench-"
SERVE = REPO / "lab" / "agent-repo" / "serve.sh"
IDLE_WINDOW_S = 30
CPUS = os.cpu_count() or 1


def tuning_env(name: str, hosts: int, cache_dir: Path) -> dict[str, str]:
    if name == "defaults":
        return {"ANSIBLE_FORKS": "5", "ANSIBLE_PIPELINING": "False", "ANSIBLE_STRATEGY": "linear"}
    if name == "tuned":
        return {
            "ANSIBLE_FORKS": str(max(5, hosts)),
            "ANSIBLE_PIPELINING": "True",
            "ANSIBLE_STRATEGY": "free",
            "ANSIBLE_GATHERING": "smart",
            "ANSIBLE_CACHE_PLUGIN": "ansible.builtin.jsonfile",
            "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(cache_dir),
            "ANSIBLE_CACHE_PLUGIN_TIMEOUT": "3600",
        }
    raise SystemExit(f"unknown tuning {name!r} (tuned, defaults)")


# --- lab hosts ----------------------------------------------------------------------------------


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check)


def start_host(name: str, image: str) -> None:
    docker("rm", "-f", name, check=False)
    docker(
        "run", "-d", "--name", name, "--hostname", name,
        "--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined", "--cgroupns", "host",
        "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--tmpfs", "/run", "--tmpfs", "/run/lock",
        "--tmpfs", "/tmp", "-e", "container=docker", image, "/lib/systemd/systemd",  # noqa: S108 - the host's /tmp
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = docker("exec", name, "systemctl", "is-system-running", check=False).stdout.strip()
        if state in {"running", "degraded"}:
            return
        time.sleep(0.5)
    raise SystemExit(f"{name}: systemd did not come up ({state!r})")


def start_hosts(names: list[str], image: str) -> None:
    with ThreadPoolExecutor(max_workers=min(8, len(names))) as pool:
        list(pool.map(lambda n: start_host(n, image), names))


def remove_hosts(names: list[str]) -> None:
    if names:
        docker("rm", "-f", *names, check=False)


def host_cpu_seconds(names: list[str]) -> float:
    """CPU time used inside the hosts so far (cgroup v2 ``cpu.stat``, or v1 ``cpuacct``)."""
    total = 0.0
    for name in names:
        cid = docker("inspect", "-f", "{{.Id}}", name).stdout.strip()
        for stat in (
            Path(f"/sys/fs/cgroup/docker/{cid}/cpu.stat"),
            Path(f"/sys/fs/cgroup/system.slice/docker-{cid}.scope/cpu.stat"),
        ):
            if stat.exists():
                usage = next(line for line in stat.read_text().splitlines() if line.startswith("usage_usec"))
                total += int(usage.split()[1]) / 1e6
                break
        else:
            acct = Path(f"/sys/fs/cgroup/cpuacct/docker/{cid}/cpuacct.usage")
            if acct.exists():
                total += int(acct.read_text()) / 1e9
    return round(total, 1)


def write_inventory(inv_dir: Path, names: list[str]) -> Path:
    inv_dir.mkdir(parents=True, exist_ok=True)
    link = inv_dir / "group_vars"
    if not link.exists():
        link.symlink_to(REPO / "inventories" / "lab" / "group_vars")
    host_vars = {
        # The Docker CLI connection: measured cheaper on the controller than community.docker's
        # docker_api one (36 vs 55 CPU s for one host's converge).
        "ansible_connection": "community.docker.docker",
        "ansible_python_interpreter": "/usr/bin/python3",
    }
    hosts = {n: dict(host_vars) for n in names}
    doc = {
        "all": {
            "children": {"datadog_exercise_hosts": {"hosts": hosts}},
            "hosts": {
                "localhost": {
                    "ansible_connection": "local",
                    "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                }
            },
        }
    }
    path = inv_dir / "hosts.yml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


# --- one playbook run ---------------------------------------------------------------------------

RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
PROFILE = re.compile(r"^(.+?) -{3,} (\d+\.\d+)s$", re.M)


def run_site(inventory: Path, env: dict[str, str], log: Path) -> dict[str, Any]:
    before = os.times()
    started = time.monotonic()
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("ansible-playbook")), "-i", str(inventory),
         str(REPO / "site.yml"), "-e", f"apm_app_wheelhouse_dir={REPO / '.cache' / 'wheelhouse'}"],
        capture_output=True, text=True, env=env, cwd=REPO, check=False,
    )  # fmt: skip
    wall = time.monotonic() - started
    after = os.times()
    log.write_text(proc.stdout + proc.stderr)
    recap = {m[0]: {"ok": int(m[1]), "changed": int(m[2]), "unreachable": int(m[3]), "failed": int(m[4])}
             for m in RECAP.findall(proc.stdout)}  # fmt: skip
    hosts = {k: v for k, v in recap.items() if k != "localhost"}
    slowest = [{"task": t.strip(), "s": float(s)} for t, s in PROFILE.findall(proc.stdout)][:8]
    return {
        "rc": proc.returncode,
        "wall_s": round(wall, 1),
        "controller_cpu_s": round(
            (after.children_user - before.children_user) + (after.children_system - before.children_system), 1
        ),
        "changed_per_host_max": max((v["changed"] for v in hosts.values()), default=None),
        "changed_total": sum(v["changed"] for v in recap.values()),
        "failed": sum(v["failed"] + v["unreachable"] for v in recap.values()),
        "hosts_in_recap": len(hosts),
        "slowest_tasks": slowest,
        "log": str(log),
    }


def bench(
    n: int, tuning: str, *, image: str, emu: Emulator, repo_url: str, work: Path
) -> list[dict[str, Any]]:
    names = [f"{PREFIX}{i:02d}" for i in range(1, n + 1)]
    inv = write_inventory(work / f"inv-{n}-{tuning}", names)
    cache = work / f"facts-{n}-{tuning}"
    env = ansible_env(
        ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_tasks",
        PROFILE_TASKS_TASK_OUTPUT_LIMIT="8",
        DDX_LAB_API_URL=emu.url,
        DDX_LAB_REPO_URL=repo_url,
        **tuning_env(tuning, n, cache),
    )
    emu.reset_state()
    rows = []
    try:
        t0 = time.monotonic()
        start_hosts(names, image)
        print(f"  {n:>2} hosts, {tuning:<8} started in {time.monotonic() - t0:.0f} s", flush=True)
        cpu0 = host_cpu_seconds(names)
        for phase in ("converge", "re-converge"):
            result = run_site(inv, env, work / f"{n}-{tuning}-{phase}.log")
            cpu1 = host_cpu_seconds(names)
            result["hosts_cpu_s"] = round(cpu1 - cpu0, 1)
            cpu0 = cpu1
            row = {"hosts": n, "tuning": tuning, "phase": phase, **result}
            rows.append(row)
            print(f"  {n:>2} hosts, {tuning:<8} {phase:<12} {row['wall_s']:>7.1f} s  rc={row['rc']} "
                  f"changed(max/host)={row['changed_per_host_max']}", flush=True)  # fmt: skip
            if row["rc"] != 0:
                tail = Path(row["log"]).read_text()[-4000:]
                sys.stderr.write(tail)
                break
        # What the converged hosts' services (agent, checks, trace intake, app, traffic, database)
        # use at rest: on one shared machine this is load that real VMs would each carry alone.
        if rows and rows[-1]["rc"] == 0:
            before, t0 = host_cpu_seconds(names), time.monotonic()
            time.sleep(IDLE_WINDOW_S)
            used = host_cpu_seconds(names) - before
            rows[-1]["idle_cpu_pct_per_host"] = round(100 * used / (time.monotonic() - t0) / n, 1)
    finally:
        remove_hosts(names)
    return rows


def cpu_floor(row: dict[str, Any]) -> float:
    return (row["controller_cpu_s"] + row["hosts_cpu_s"]) / CPUS


def table(rows: list[dict[str, Any]]) -> str:
    header = (f"{'hosts':>5} {'tuning':<9} {'phase':<12} {'wall s':>7} {'ratio':>6} {'ctl cpu s':>9} "
              f"{'hosts cpu s':>11} {'cpu floor s':>11} {'changed/host':>12} {'failed':>6}")  # fmt: skip
    lines = [header, "-" * len(header)]
    for r in rows:
        ratio = f"{r['ratio']:.2f}x" if r.get("ratio") is not None else "-"
        lines.append(
            f"{r['hosts']:>5} {r['tuning']:<9} {r['phase']:<12} {r['wall_s']:>7.1f} {ratio:>6} "
            f"{r['controller_cpu_s']:>9.1f} {r['hosts_cpu_s']:>11.1f} {cpu_floor(r):>11.1f} "
            f"{r['changed_per_host_max']!s:>12} {r['failed']:>6}"
        )  # fmt: skip
    lines.append("ratio = wall time / the 1-host wall time of the same tuning and phase")
    lines.append(
        f"cpu floor = (controller + hosts CPU s) / {CPUS} CPUs: the least wall time this machine allows"
    )
    return "\n".join(lines)


def with_ratios(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    base = {(r["tuning"], r["phase"]): r["wall_s"] for r in rows if r["hosts"] == 1}
    for r in rows:
        b = base.get((r["tuning"], r["phase"]))
        r["ratio"] = round(r["wall_s"] / b, 2) if b else None
    return rows


def repo_server() -> tuple[str, bool]:
    """Build and start the lab's agent repository; return its URL and whether we started it."""
    subprocess.run([str(REPO / "lab" / "agent-repo" / "build.sh")], check=True, stdout=subprocess.DEVNULL)
    was_running = subprocess.run([str(SERVE), "status"], capture_output=True, check=False).returncode == 0
    subprocess.run([str(SERVE), "start"], check=True, capture_output=True)
    url = subprocess.run([str(SERVE), "url"], capture_output=True, text=True, check=True).stdout.strip()
    return url, not was_running


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", default=os.environ.get("BENCH_HOSTS", "1,5,20"),
                        help="comma-separated host counts (default 1,5,20)")  # fmt: skip
    parser.add_argument("--tunings", default=os.environ.get("BENCH_TUNINGS", "tuned"),
                        help="comma-separated: tuned, defaults (default tuned); `defaults:1,20` "
                             "gives that tuning its own host counts (separate specs with ;)")  # fmt: skip
    parser.add_argument("--image", default="ddx-lab:debian-12")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    counts = [int(x) for x in args.hosts.split(",") if x.strip()]
    plan: list[tuple[str, list[int]]] = []
    for spec in args.tunings.split(";" if ":" in args.tunings else ","):
        name, _, own = spec.strip().partition(":")
        if name:
            plan.append((name, [int(x) for x in own.split(",") if x.strip()] or counts))
    if shutil.which("docker") is None:
        raise SystemExit("docker is missing: run `make setup` first")
    print(f"Host converge benchmark: site.yml on fresh {args.image} hosts: {plan}")
    info = machine()
    repo_url, started_repo = repo_server()
    rows: list[dict[str, Any]] = []
    work = Path(tempfile.mkdtemp(prefix="ddx-host-bench-"))
    stamp, path = utc_stamp(), None
    doc = {"benchmark": "host_converge", "image": args.image, "utc": stamp, "machine": info, "plan": plan,
           "rows": rows, "logs_dir": str(work)}  # fmt: skip
    try:
        with Emulator(api_key=API_KEY, app_key=APP_KEY, host="127.0.0.1", port=0).start() as emu:
            for tuning, tuning_counts in plan:
                for n in tuning_counts:
                    rows.extend(bench(n, tuning, image=args.image, emu=emu, repo_url=repo_url, work=work))
                    # Written after every host count: a long run stopped half-way keeps what it measured.
                    doc["table"] = table(with_ratios(rows))
                    path = write_results(args.out, "host-converge", doc)
    finally:
        if started_repo:
            subprocess.run([str(SERVE), "stop"], check=False, capture_output=True)
    print()
    print(doc.get("table", "(nothing measured)"))
    print(f"\nwritten: {path}  (playbook logs in {work})")
    bad = [r for r in rows if r["rc"] != 0 or (r["phase"] == "re-converge" and r["changed_per_host_max"])]
    if bad:
        print(f"FAIL: {len(bad)} run(s) failed or the re-converge changed something", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
