"""Domain errors: raised by actions and access functions, mapped to HTTP once per channel.

The API turns each into ``{"error": {"code", "message", "details"}}`` with its status (api.md); the web
pages show the message next to the form. Messages are Chinese because users read them.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details or {}


class InvalidInput(DomainError):
    """400: the request is malformed or a field is out of range."""

    status = 400
    code = "invalid"


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"


class Forbidden(DomainError):
    """403: the object is visible, but this role or unit may not do this."""

    status = 403
    code = "forbidden"


class NotFound(DomainError):
    """404: unknown, or not visible to this user: the two are never told apart."""

    status = 404
    code = "not_found"


class InvalidTransition(DomainError):
    """409: the action is not allowed in the object's current state."""

    status = 409
    code = "invalid_transition"


class Conflict(DomainError):
    """409: a concurrent change got there first."""

    status = 409
    code = "conflict"


class TooManyAttempts(DomainError):
    """429: too many failed sign-ins; the answer carries ``Retry-After``."""

    status = 429
    code = "too_many_attempts"


class RuleViolation(DomainError):
    """422: the action is allowed, but a rule of the domain is broken; ``code`` names the rule."""

    status = 422

    def __init__(self, code: str, message: str, *, details: dict[str, Any] | None = None):
        super().__init__(message, code=code, details=details)
