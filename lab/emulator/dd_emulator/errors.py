"""The error type every handler raises; the server turns it into Datadog's error body."""

from __future__ import annotations


class ApiError(Exception):
    """An HTTP error answered as ``{"errors": [...]}``, Datadog's shape for every API error."""

    def __init__(self, status: int, *messages: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {'; '.join(messages)}")
        self.status = status
        self.messages = list(messages)
        self.headers = headers or {}


def bad_request(*messages: str) -> ApiError:
    return ApiError(400, *messages)


def not_found(*messages: str) -> ApiError:
    return ApiError(404, *messages)
