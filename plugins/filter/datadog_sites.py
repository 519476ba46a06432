# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters exposing the collection's one table of Datadog sites (module_utils/sites.py) to roles.

Documented in datadog_site_names.yml and datadog_site_info.yml (one file per filter).
"""

from __future__ import annotations

from typing import Any, Callable

from ansible.errors import AnsibleFilterError
from ansible_collections.datadog_exercise.stack.plugins.module_utils.sites import site_info, site_names


def datadog_site_names(_value: Any = None) -> list[str]:
    """Every Datadog site parameter (``datadoghq.com``, ``us3.datadoghq.com``, ...)."""
    return site_names()


def datadog_site_info(site: Any) -> dict[str, str]:
    """The table row of one site: site, region, api_url, app_url, agent_site."""
    if not isinstance(site, str):
        raise AnsibleFilterError(f"datadog_site_info: the site must be a string, got {type(site).__name__}")
    try:
        return site_info(site)
    except KeyError as exc:
        raise AnsibleFilterError(f"datadog_site_info: {exc.args[0]}") from None


class FilterModule:
    """Datadog site filters."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "datadog_site_names": datadog_site_names,
            "datadog_site_info": datadog_site_info,
        }
