# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one table of Datadog sites: API host, web app host and the agent's ``site`` value.

Source: Datadog's "Getting Started with Datadog Sites" page (site parameter and site URL per
site) and the official ``datadog-api-client`` (its server variable ``site`` lists the same
parameters; the API host is ``api.<site>`` for every one of them). The web app is
``app.<site>`` for the three oldest sites (US1, EU1, US1-FED) and ``<site>`` itself for the
others (``https://us3.datadoghq.com``, ``https://ap1.datadoghq.com``, ...).

The modules use it for ``site`` choices, the API base URL and the dashboard ``url``; the
``agent`` role uses it through the ``datadog_exercise.stack.datadog_site_names`` /
``datadog_site_info`` filters; a unit test keeps the three in agreement.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

# site parameter -> (region name as Datadog's docs call it, web app base URL)
_SITES: dict[str, tuple[str, str]] = {
    "datadoghq.com": ("US1", "https://app.datadoghq.com"),
    "us3.datadoghq.com": ("US3", "https://us3.datadoghq.com"),
    "us5.datadoghq.com": ("US5", "https://us5.datadoghq.com"),
    "datadoghq.eu": ("EU1", "https://app.datadoghq.eu"),
    "ap1.datadoghq.com": ("AP1", "https://ap1.datadoghq.com"),
    "ap2.datadoghq.com": ("AP2", "https://ap2.datadoghq.com"),
    "uk1.datadoghq.com": ("UK1", "https://uk1.datadoghq.com"),
    "ddog-gov.com": ("US1-FED", "https://app.ddog-gov.com"),
    "us2.ddog-gov.com": ("US2-FED", "https://us2.ddog-gov.com"),
}

DEFAULT_SITE = "datadoghq.com"


def _info(site: str, region: str, app: str) -> dict[str, str]:
    return {
        "site": site,
        "region": region,
        "api_url": f"https://api.{site}",
        "app_url": app,
        # The agent's datadog.yaml ``site`` is the site parameter itself for every site.
        "agent_site": site,
    }


SITES: dict[str, dict[str, str]] = {site: _info(site, *row) for site, row in _SITES.items()}


def site_names() -> list[str]:
    """Every site parameter, in the table's order (US1 first)."""
    return list(SITES)


def site_info(site: str) -> dict[str, str]:
    """The table row of ``site``; ``KeyError`` naming the known sites otherwise."""
    try:
        return dict(SITES[site])
    except KeyError:
        raise KeyError(f"{site!r} is not a Datadog site; known sites: {', '.join(SITES)}") from None


def api_url(site: str) -> str:
    return SITES[site]["api_url"]


def app_url_for(api_base: str) -> str:
    """The web app base URL that goes with an API base URL.

    A site's API host gives that site's app host (``https://api.us3.datadoghq.com`` ->
    ``https://us3.datadoghq.com``). Any other ``api_url`` (the lab emulator, which serves its
    pages on the same port) is returned as it is.
    """
    base = api_base.rstrip("/")
    parts = urlsplit(base)
    host = (parts.hostname or "").lower()
    for info in SITES.values():
        if host == urlsplit(info["api_url"]).hostname:
            return info["app_url"]
    return base


def as_data() -> dict[str, Any]:
    """The table as plain data (for the filter plugins)."""
    return {site: dict(info) for site, info in SITES.items()}
