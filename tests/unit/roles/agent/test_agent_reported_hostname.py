"""Role agent: the fact `agent_reported_hostname` is the name the Agent reports.

Runs the role's hostname tasks (roles/agent/tasks/hostname.yml) and its input checks on the
controller (connection local), in one ansible-playbook run, with `datadog-agent` on PATH being
the lab's agent stand-in (lab/agent-repo/package/python) or a stub of an older agent.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
STANDIN = ROOT / "lab" / "agent-repo" / "package" / "python"


def _bin(directory: Path, script: str) -> str:
    directory.mkdir(parents=True)
    path = directory / "datadog-agent"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)
    return str(directory)


def test_agent_reported_hostname(tmp_path: Path) -> None:
    conf = tmp_path / "etc"
    conf.mkdir()
    (conf / "name").write_text("vm-from-file\n")
    (conf / "datadog.yaml").write_text(f"api_key: x\nhostname_file: {conf / 'name'}\n")
    standin = _bin(
        tmp_path / "standin",
        f"PYTHONPATH={STANDIN} DDX_STANDIN_RUN_DIR={tmp_path / 'run'} "
        f'exec {sys.executable} -m ddx_standin.cli -c {conf} "$@"\n',
    )
    # An agent from before `hostname --local` (it always resolved locally).
    old = _bin(
        tmp_path / "old", 'for a in "$@"; do [ "$a" = --local ] && exit 1; done\necho old-agent-name\n'
    )
    broken = _bin(tmp_path / "never", "echo must-not-be-asked\n")
    playbook = tmp_path / "play.yml"
    playbook.write_text(
        textwrap.dedent(
            f"""
            - name: Resolve the reported host name in each situation
              hosts: localhost
              gather_facts: true
              vars:
                agent_api_key: lab-api-key
                cases:
                  - {{path: "{standin}", extra: {{}}, name: "", want: vm-from-file}}
                  - {{path: "{old}", extra: {{}}, name: "", want: old-agent-name}}
                  - {{path: "{broken}", extra: {{}}, name: web-1.example.com, want: web-1.example.com}}
                  - {{path: "{broken}", extra: {{hostname: from-extra}}, name: "", want: from-extra}}
                  - {{path: /nonexistent, extra: {{}}, name: "", want: "{{{{ ansible_facts.nodename }}}}"}}
                  - {{path: /nonexistent, extra: {{hostname_fqdn: true}}, name: "",
                     want: "{{{{ ansible_facts.fqdn }}}}"}}
              tasks:
                - name: Run the role's hostname tasks for each case
                  ansible.builtin.include_tasks: case.yml
                  loop: "{{{{ cases }}}}"
                  loop_control:
                    loop_var: case

                - name: Refuse a hostname the Agent would ignore
                  block:
                    - name: Run the role's input checks with agent_hostname web_1
                      ansible.builtin.include_role:
                        name: datadog_exercise.stack.agent
                        tasks_from: validate.yml
                      vars:
                        agent_hostname: web_1
                    - name: Fail because the bad name was accepted
                      ansible.builtin.fail:
                        msg: ACCEPTED web_1
                  rescue:
                    - name: Check the role's message
                      ansible.builtin.assert:
                        that:
                          - "'agent_hostname' in ansible_failed_result.msg"
                          - "'web_1' in ansible_failed_result.msg"
            """
        )
    )
    (tmp_path / "case.yml").write_text(
        textwrap.dedent(
            """
            - name: Run the role's hostname tasks with this case's PATH
              environment:
                PATH: "{{ case.path }}:/usr/bin:/bin"
              block:
                - name: Run the role's hostname tasks
                  ansible.builtin.include_role:
                    name: datadog_exercise.stack.agent
                    tasks_from: hostname.yml
                  vars:
                    agent_hostname: "{{ case.name }}"
                    agent_config_extra: "{{ case.extra }}"

            - name: Check the fact
              ansible.builtin.assert:
                that: agent_reported_hostname == case.want
                fail_msg: "WRONG {{ case }}: got {{ agent_reported_hostname }}"
            """
        )
    )
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".collections"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
    )
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-playbook"),
            "-i", "localhost,", "-c", "local",
            "-e", f"ansible_python_interpreter={sys.executable}",
            str(playbook),
        ],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-4000:]
    assert "WRONG" not in out and "ACCEPTED" not in out
    assert out.count("Check the fact") == 6
    assert "must-not-be-asked" not in out
