"""Dynamic supervision of key proposals and 建议案 (动态督办/跟踪督办, domain.md §7): a plan per proposal with
its milestones (节点), the progress notes (进展情况) and the leaders' instructions on it (领导批示).

Written only by ``supervision.actions``; the plan keeps the earliest open milestone and its date
(``watch_on``), so that a list's light and its "next milestone" are columns, not a subquery per row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Plan(models.Model):
    """The supervision of one key proposal or 建议案, made with its first milestone, note or instruction."""

    proposal = models.OneToOneField(
        "proposals.Proposal", verbose_name="提案", on_delete=models.PROTECT, related_name="supervision"
    )
    # The earliest open milestone and its due date: the date the light follows (None: nothing open).
    next_milestone = models.ForeignKey(
        "Milestone", verbose_name="下一节点", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    watch_on = models.DateField("督办期限", null=True, blank=True)
    created_at = models.DateTimeField("列入督办时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "督办计划"
        indexes = [models.Index(fields=["watch_on"], name="plan_watch_idx")]

    def __str__(self) -> str:
        return f"督办：{self.proposal}"


class Milestone(models.Model):
    """One step of the plan (节点) with its due date and the unit responsible for it."""

    plan = models.ForeignKey(Plan, verbose_name="督办计划", on_delete=models.PROTECT, related_name="milestones")
    title = models.CharField("节点", max_length=200)
    due_on = models.DateField("完成时限")
    department = models.ForeignKey(
        "organisation.Department", verbose_name="责任单位", on_delete=models.PROTECT, related_name="+"
    )
    done_on = models.DateField("完成日期", null=True, blank=True)
    note = models.TextField("完成情况", blank=True)
    # The next automatic reminder (15 and 5 days before, on the day, then weekly); None once done.
    remind_on = models.DateField("下次提醒", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "督办节点"
        indexes = [
            # the reminder scan: the few milestones with a reminder still to come, by date
            models.Index(
                fields=["remind_on"], name="milestone_remind_idx", condition=models.Q(remind_on__isnull=False)
            ),
            models.Index(fields=["plan", "due_on"], name="milestone_plan_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(done_on__isnull=True) | models.Q(remind_on__isnull=True),
                name="milestone_done_not_reminded",
            )
        ]

    def __str__(self) -> str:
        return self.title


class ProgressNote(models.Model):
    """What has been done (进展情况), written by an assigned unit or by the office (``department`` None)."""

    plan = models.ForeignKey(Plan, verbose_name="督办计划", on_delete=models.PROTECT, related_name="notes")
    department = models.ForeignKey(
        "organisation.Department", verbose_name="单位", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    text = models.TextField("进展情况")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "督办进展"


class Instruction(models.Model):
    """A leader's instruction on the supervision (督办批示): given by the leader, or recorded by the office."""

    plan = models.ForeignKey(Plan, verbose_name="督办计划", on_delete=models.PROTECT, related_name="instructions")
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="批示领导", on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField("批示内容")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "督办批示"
