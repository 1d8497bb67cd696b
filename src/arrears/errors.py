"""One error base class with a stable code; subclasses are defined where they are raised."""

from __future__ import annotations

from typing import Any


class ArrearsError(Exception):
    """Base of every error the product raises on purpose.

    ``code`` is stable (clients and tests match on it), ``status`` is the HTTP status the
    API maps it to, ``field`` names the offending input where there is one.
    """

    code = "error"
    status = 400

    def __init__(self, message: str, *, field: str | None = None, **detail: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.detail = detail

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            out["field"] = self.field
        if self.detail:
            out["detail"] = self.detail
        return out


class NotFound(ArrearsError):
    code = "not_found"
    status = 404


class Forbidden(ArrearsError):
    code = "forbidden"
    status = 403


class Conflict(ArrearsError):
    code = "conflict"
    status = 409


class InvalidInput(ArrearsError):
    code = "invalid_input"
    status = 422


class ConfigError(ArrearsError):
    code = "config_error"
    status = 500
