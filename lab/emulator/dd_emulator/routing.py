"""Request/reply types and the route table shared by the resource modules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Union

from dd_emulator.errors import bad_request
from dd_emulator.store import Store

Body = Union[dict[str, Any], list[Any], None]


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, list[str]]
    body: Any
    base_url: str
    store: Store

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.arg(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise bad_request(f"Invalid value for parameter '{name}': expected true or false")

    def integer(self, name: str, default: int | None = None, minimum: int = 0) -> int | None:
        value = self.arg(name)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise bad_request(f"Invalid value for parameter '{name}': expected an integer") from None
        if number < minimum:
            raise bad_request(f"Invalid value for parameter '{name}': must be >= {minimum}")
        return number


@dataclass
class Reply:
    status: int = 200
    body: Body = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    content_type: str = "application/json"


Handler = Callable[[Request], Reply]


@dataclass
class Route:
    method: str
    template: str
    handler: Handler
    auth: str = "both"  # "both": API + application key; "api": API key only
    limit_name: str = "api"
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.template))
        self.pattern = re.compile(f"^{regex}$")


class Router:
    def __init__(self, routes: list[Route]) -> None:
        # Literal templates win over parameterised ones (/monitor/search before /monitor/{id}).
        self.routes = sorted(routes, key=lambda r: r.template.count("{"))

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """(route, params, path_known): path_known tells 405 from 404 when route is None."""
        path_known = False
        for route in self.routes:
            found = route.pattern.match(path)
            if not found:
                continue
            path_known = True
            if route.method == method:
                return route, found.groupdict(), True
        return None, {}, path_known
