"""The append-only history of everything that happens to a proposal."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Event(models.Model):
    """One thing that happened: who, when, what, from which state to which, and why (in ``data``).

    Written inside the action's transaction, never updated or deleted: on PostgreSQL a trigger refuses
    UPDATE, DELETE and TRUNCATE (lib/append_only.py), and the hash chain shows any change made anyway.
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
    # Set by record_event before the hash is computed (auto_now_add would overwrite it on save).
    at = models.DateTimeField("时间", default=timezone.now, db_index=False)
    # The hash chain (history/chain.py): the previous event's hash within the proposal, and this one's.
    prev_hash = models.CharField(max_length=64, blank=True, default="")
    hash = models.CharField(max_length=64, default="")

    class Meta:
        verbose_name = verbose_name_plural = "办理历史"
        indexes = [models.Index(fields=["proposal", "id"], name="event_proposal_idx")]
        # One successor per event: two writers chaining onto the same predecessor cannot both succeed.
        constraints = [models.UniqueConstraint(fields=["proposal", "prev_hash"], name="event_chain_link_unique")]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.at):%Y-%m-%d %H:%M} {self.action}"


class UnitChange(models.Model):
    """A mark that a unit's records of one year changed: written with every event about one of its assignments,
    in the event's transaction. The per-unit aggregates kept above the history (``reports.queries``' stored
    figures) count a marked unit afresh until the worker has recounted it and deleted the marks it read.

    Not a foreign key: a mark must never lock the unit's row, and it outlives nothing it points to."""

    department_id = models.BigIntegerField()
    year = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = verbose_name_plural = "单位统计变动标记"
        indexes = [models.Index(fields=["year", "department_id"], name="unit_change_year_unit_idx")]

    def __str__(self) -> str:
        return f"{self.year} {self.department_id}"
