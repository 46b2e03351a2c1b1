"""The demo's auditor (审计管理员): no role in the proposal process, only the right to read the security
audit log (``audit.view_auditentry``), as 等保's separation of the administrator, security officer and
auditor asks. Signs in with the demo password and lands on /audit/."""

from __future__ import annotations

from django.contrib.auth.models import Permission

from organisation.models import Jurisdiction, User

USERNAME = "auditor"


def make_auditor(city: Jurisdiction, password_hash: str) -> User:
    user, _ = User.objects.update_or_create(
        username=USERNAME,
        defaults={"name": "审计管理员", "role": None, "jurisdiction": city, "password": password_hash},
    )
    user.user_permissions.add(Permission.objects.get(content_type__app_label="audit", codename="view_auditentry"))
    return user
