"""Signals the organisation layer sends about security-relevant steps.

``security_event`` is sent for every step an auditor must be able to find that Django's own auth
signals (``user_logged_in``, ``user_logged_out``, ``user_login_failed``) do not cover: lock-outs,
tokens issued and revoked, password changes, second-factor checks, permission denials, users, units,
jurisdiction rules and the holiday table changed. The audit app listens; senders never import it, so
the layers keep pointing one way.

Keyword arguments: ``kind`` (a short English code, e.g. ``"lockout"``), ``user`` (the account concerned,
or None), ``actor`` (who did it, or None), ``request`` (or None), ``outcome`` (``"success"``,
``"failure"``, ``"denied"`` or ``"locked"``) and ``data`` (a small JSON-able dict, never a password).
"""

from django.dispatch import Signal

security_event = Signal()
