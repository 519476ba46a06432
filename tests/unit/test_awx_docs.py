"""docs/awx.md: the Datadog credential type injects what the modules read.

The credential type (docs/awx/credential_type.yml, shown in docs/awx.md) must set exactly the
environment variables the modules fall back to (the env_fallback names of
``datadog_argument_spec``), each from the input of the same name, with the secret options
secret and the site's choices the modules' choices. The AWX project's group_vars
(docs/awx/datadog_credential_vars.yml) read those same variables.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.module_utils.basic import env_fallback
from ansible_collections.datadog_exercise.stack.plugins.module_utils.client import base_url
from ansible_collections.datadog_exercise.stack.plugins.module_utils.common import datadog_argument_spec
from ansible_collections.datadog_exercise.stack.plugins.module_utils.sites import site_names
from jinja2.sandbox import SandboxedEnvironment

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "awx.md"
CREDENTIAL_TYPE = REPO / "docs" / "awx" / "credential_type.yml"
GROUP_VARS = REPO / "docs" / "awx" / "datadog_credential_vars.yml"
INPUTS = {"api_key": "key-123", "app_key": "app-456", "site": "datadoghq.eu", "api_url": ""}


def _env_fallbacks() -> dict[str, list[str]]:
    """option name -> the environment variables the modules read for it."""
    found = {}
    for name, spec in datadog_argument_spec().items():
        fallback = spec.get("fallback")
        if fallback and fallback[0] is env_fallback:
            found[name] = list(fallback[1])
    return found


def _credential_type() -> dict[str, Any]:
    return yaml.safe_load(CREDENTIAL_TYPE.read_text())


def _render_env(inputs: dict[str, str]) -> dict[str, str]:
    # AWX renders injector templates with Jinja in a sandbox, the inputs as variables.
    env = SandboxedEnvironment()
    return {k: env.from_string(v).render(**inputs) for k, v in _credential_type()["injectors"]["env"].items()}


def _fenced_blocks(text: str) -> list[str]:
    return [m.group(1) for m in re.finditer(r"```ya?ml\n(.*?)```", text, re.S)]


def test_the_modules_read_the_four_variables() -> None:
    """The premise: if the argument spec changes, the credential type must change with it."""
    names = {env for envs in _env_fallbacks().values() for env in envs}
    assert names == {"DD_API_KEY", "DD_APP_KEY", "DD_SITE", "DD_API_URL"}, names


def test_injector_sets_exactly_the_variables_the_modules_read() -> None:
    injected = set(_credential_type()["injectors"]["env"])
    read = {env for envs in _env_fallbacks().values() for env in envs}
    assert injected == read, f"injected only: {injected - read}; read but not injected: {read - injected}"
    # Nothing else is injected (no extra_vars or files holding the keys).
    assert set(_credential_type()["injectors"]) == {"env"}


def test_each_variable_carries_the_input_of_the_option_it_stands_for() -> None:
    rendered = _render_env(INPUTS)
    for option, envs in _env_fallbacks().items():
        for env in envs:
            assert rendered[env] == INPUTS[option], (option, env, rendered[env])


def test_modules_get_the_credential_through_their_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a module sees in a job that has the credential, blank API URL included."""
    for name, value in _render_env(INPUTS).items():
        monkeypatch.setenv(name, value)
    seen = {option: env_fallback(*envs) for option, envs in _env_fallbacks().items()}
    assert seen == INPUTS
    # A blank "API URL override" means the site's own API host, not an error.
    assert base_url(seen["site"], seen["api_url"]) == base_url("datadoghq.eu", None)


def test_inputs_mirror_the_options() -> None:
    credential_type = _credential_type()
    assert credential_type["kind"] == "cloud"
    fields = {f["id"]: f for f in credential_type["inputs"]["fields"]}
    spec = datadog_argument_spec()
    assert set(fields) == set(_env_fallbacks())
    for option, field in fields.items():
        assert field["type"] == "string"
        assert bool(field.get("secret")) == bool(spec[option].get("no_log")), option
    assert fields["site"]["choices"] == list(site_names())
    required = set(credential_type["inputs"]["required"])
    assert {o for o, s in spec.items() if s.get("required") and o in fields} <= required
    assert {"api_key", "app_key", "site"} <= required  # site.yml's API play needs all three
    assert "api_url" not in required


def test_project_group_vars_read_the_injected_variables() -> None:
    text = GROUP_VARS.read_text()
    data = yaml.safe_load(text)
    assert set(data) == {"datadog_api_key", "datadog_app_key", "datadog_site", "datadog_api_url"}
    looked_up = set(re.findall(r"lookup\('ansible\.builtin\.env', '([A-Z_]+)'", text))
    assert looked_up == set(_credential_type()["injectors"]["env"])
    for value in data.values():
        assert "lookup('ansible.builtin.env'" in value  # no key is written in the project


@pytest.mark.parametrize("path", [CREDENTIAL_TYPE, GROUP_VARS], ids=lambda p: p.name)
def test_the_doc_shows_the_files_as_they_are(path: Path) -> None:
    blocks = [b.strip() for b in _fenced_blocks(DOC.read_text())]
    assert path.read_text().strip() in blocks, f"docs/awx.md must show {path.relative_to(REPO)} verbatim"
