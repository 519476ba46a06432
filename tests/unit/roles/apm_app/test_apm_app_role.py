"""The role apm_app: its default packages and the shipped app.

Specs vs defaults: tests/unit/roles/test_role_specs.py.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from pathlib import Path
from typing import Any

import yaml

ROLE = Path(__file__).resolve().parents[4] / "roles" / "apm_app"


def _load(relative: str) -> Any:
    return yaml.safe_load((ROLE / relative).read_text(encoding="utf-8"))


DEFAULTS: dict[str, Any] = _load("defaults/main.yml")


def test_the_default_packages_are_pinned_and_complete() -> None:
    names = {re.split(r"[=<>~!; ]", p, maxsplit=1)[0].lower() for p in DEFAULTS["apm_app_packages"]}
    assert names == {"flask", "ddtrace", "gunicorn"}
    assert all("==" in p for p in DEFAULTS["apm_app_packages"])


def test_the_exercise_app_is_traced_by_ddtrace_run_only() -> None:
    source = (ROLE / "files" / "exercise_app" / "app.py").read_text(encoding="utf-8")
    assert not re.search(r"^\s*(import|from)\s+ddtrace", source, re.MULTILINE)
    # The same patterns the role refuses in a user's app (tasks/validate.yml).
    assert not re.search(r"TraceMiddleware|patch_all\(|ddtrace\.auto|ddtrace\.contrib", source)
    for route, body in {
        "/": "Entrypoint to the Application",
        "/api/apm": "Getting APM Started",
        "/api/trace": "Posting Traces",
    }.items():
        assert f'@app.route("{route}")' in source
        assert f'"{body}"' in source


def test_the_exercise_app_answers_and_logs_each_request(caplog: Any) -> None:
    spec = importlib.util.spec_from_file_location(
        "exercise_app_under_test", ROLE / "files/exercise_app/app.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    client = module.app.test_client()
    with caplog.at_level(logging.INFO, logger="exercise_app"):
        assert client.get("/api/trace").get_data(as_text=True) == "Posting Traces"
        assert client.get("/nope").status_code == 404
    assert [r.getMessage() for r in caplog.records] == ["GET /api/trace 200", "GET /nope 404"]
