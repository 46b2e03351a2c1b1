"""Role checks every app uses: whether a user holds one of the roles an operation is for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lib.errors import Forbidden

if TYPE_CHECKING:
    from .models import User


def require_role(user: User, *roles: str) -> None:
    """Raise Forbidden unless the user has one of the roles (a superuser has them all)."""
    if user.is_superuser or user.role in roles:
        return
    raise Forbidden("您的角色无权进行此项操作。")
