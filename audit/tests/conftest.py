"""Helpers of the audit tests: the auditor persona and reading the log."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission

from audit.models import AuditEntry
from conftest import World
from organisation.models import User


@pytest.fixture
def auditor(world: World) -> User:
    """An account with no role in the process, given only the right to read the audit log."""
    user = User(username="auditor", name="审计管理员", jurisdiction=world.city)
    user.set_password("demo-2026")
    user.save()
    user.user_permissions.add(Permission.objects.get(codename="view_auditentry"))
    return user


def entries(**filters: Any) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(**filters).order_by("pk"))


def row_text(entry: AuditEntry) -> str:
    """Every column of the row as text, as a database dump would show it."""
    return " ".join(str(v) for v in AuditEntry.objects.filter(pk=entry.pk).values().get().values())
