"""The append-only history of everything that happens to a proposal."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Event(models.Model):
    """One thing that happened: who, when, what, from which state to which, and why (in ``data``).

    Written inside the action's transaction, never updated or deleted.
    """

    proposal = models.ForeignKey("proposals.Proposal", on_delete=models.PROTECT, related_name="events")
    assignment = models.ForeignKey(
        "handling.Assignment", null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField("动作", max_length=40)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True, db_index=False)

    class Meta:
        verbose_name = verbose_name_plural = "办理历史"
        indexes = [models.Index(fields=["proposal", "id"], name="event_proposal_idx")]
