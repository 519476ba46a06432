"""One table of Datadog sites serves the modules, the filters and the agent role (issue 14, item 12).

Reference: Datadog's "Getting Started with Datadog Sites" page (site parameter and site URL of
every site) and the official datadog-api-client (its ``site`` server variable).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from ansible_collections.datadog_exercise.stack.plugins.doc_fragments.datadog import ModuleDocFragment
from ansible_collections.datadog_exercise.stack.plugins.filter.datadog_sites import FilterModule
from ansible_collections.datadog_exercise.stack.plugins.module_utils import dashboard, sites
from ansible_collections.datadog_exercise.stack.plugins.module_utils.client import base_url
from ansible_collections.datadog_exercise.stack.plugins.module_utils.common import datadog_argument_spec
from datadog_api_client import Configuration

REPO = Path(__file__).resolve().parents[3]

# Site parameter -> (API host, web app host), as Datadog documents them.
DOCUMENTED = {
    "datadoghq.com": ("https://api.datadoghq.com", "https://app.datadoghq.com"),
    "us3.datadoghq.com": ("https://api.us3.datadoghq.com", "https://us3.datadoghq.com"),
    "us5.datadoghq.com": ("https://api.us5.datadoghq.com", "https://us5.datadoghq.com"),
    "datadoghq.eu": ("https://api.datadoghq.eu", "https://app.datadoghq.eu"),
    "ap1.datadoghq.com": ("https://api.ap1.datadoghq.com", "https://ap1.datadoghq.com"),
    "ap2.datadoghq.com": ("https://api.ap2.datadoghq.com", "https://ap2.datadoghq.com"),
    "uk1.datadoghq.com": ("https://api.uk1.datadoghq.com", "https://uk1.datadoghq.com"),
    "ddog-gov.com": ("https://api.ddog-gov.com", "https://app.ddog-gov.com"),
    "us2.ddog-gov.com": ("https://api.us2.ddog-gov.com", "https://us2.ddog-gov.com"),
}


def test_table_matches_datadogs_documentation() -> None:
    assert set(sites.SITES) == set(DOCUMENTED)
    for site, (api, app) in DOCUMENTED.items():
        info = sites.site_info(site)
        assert (info["api_url"], info["app_url"], info["agent_site"]) == (api, app, site)
        assert base_url(site, None) == api


def test_table_covers_the_official_clients_sites() -> None:
    variables = Configuration().get_host_settings()[0]["variables"]["site"]["enum_values"]
    assert set(variables) <= set(sites.SITES)


def test_module_choices_doc_fragment_and_filters_agree() -> None:
    names = sites.site_names()
    spec = datadog_argument_spec()["site"]
    assert spec["choices"] == names
    assert spec["default"] == "datadoghq.com"
    doc = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]["site"]
    assert doc["choices"] == names and doc["default"] == spec["default"]
    filters = FilterModule().filters()
    assert filters["datadog_site_names"](None) == names
    assert filters["datadog_site_info"]("uk1.datadoghq.com")["app_url"] == "https://uk1.datadoghq.com"


@pytest.mark.parametrize(("site", "hosts"), sorted(DOCUMENTED.items()))
def test_dashboard_url_uses_the_sites_app_host(site: str, hosts: tuple[str, str]) -> None:
    api, app = hosts
    board = {"url": "/dashboard/abc-def-ghi/my-board"}
    assert dashboard.dashboard_url(api, board) == f"{app}/dashboard/abc-def-ghi/my-board"


def test_dashboard_url_of_the_lab_emulator_stays_on_its_port() -> None:
    board = {"url": "/dashboard/abc-def-ghi/my-board"}
    assert dashboard.dashboard_url("http://127.0.0.1:8080", board) == (
        "http://127.0.0.1:8080/dashboard/abc-def-ghi/my-board"
    )


def test_agent_role_site_choices_are_the_table() -> None:
    """The agent role's argument spec lists exactly the sites of the one table (sites.py)."""
    role = REPO / "roles" / "agent"
    specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())
    choices = specs["argument_specs"]["main"]["options"]["agent_site"]["choices"]
    assert sorted(choices) == sorted(sites.SITES), "roles/agent/meta/argument_specs.yml agent_site choices"
    assert "__agent_known_sites:" not in (role / "vars" / "main.yml").read_text()


PLAY = """
- name: Validate the agent role's inputs
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Check agent_site against the agent role's argument spec, as the role does when it starts
      ansible.builtin.validate_argument_spec:
        argument_spec: >-
          {{ (lookup('ansible.builtin.file', role_dir ~ '/meta/argument_specs.yml') | from_yaml)
             .argument_specs.main.options }}
        provided_arguments:
          agent_site: "{{ agent_site }}"
"""


def validate_role(site: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    playbook = tmp_path / "validate.yml"
    playbook.write_text(PLAY)
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(REPO / ".collections"),
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
    )
    return subprocess.run(
        [
            str(Path(sys.executable).with_name("ansible-playbook")),
            "-i",
            "localhost,",
            "-c",
            "local",
            str(playbook),
            "-e",
            json.dumps({"agent_site": site, "role_dir": str(REPO / "roles" / "agent")}),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_agent_role_accepts_every_site_of_the_table(tmp_path: Path) -> None:
    for site in ("uk1.datadoghq.com", "us2.ddog-gov.com"):
        proc = validate_role(site, tmp_path)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]


def test_agent_role_rejects_an_unknown_site_naming_the_variable(tmp_path: Path) -> None:
    proc = validate_role("datadoghq.mars", tmp_path)
    assert proc.returncode != 0
    assert "agent_site must be one of" in proc.stdout and "datadoghq.mars" in proc.stdout, proc.stdout[-2000:]
    assert "uk1.datadoghq.com" in proc.stdout
