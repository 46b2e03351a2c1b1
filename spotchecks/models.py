"""Spot checks (抽查, seed §二(四)): the office, with the CPPCC, checks how replied proposals were carried out.

A check belongs to one jurisdiction and year. Its items are replied lead assignments, drawn at random
(each draw recorded with its seed and the pool it drew from, so anyone can draw it again and get the same
items) or chosen by hand; an assignment is in a check at most once. Per item the checkers record what they
found (检查情况), a verdict and, unless it was carried out in full, the fixes demanded (整改要求) with a
deadline; the unit answers (整改情况) and the office accepts the answer or sends it back. Every change goes
through ``spotchecks.actions``, which writes the proposal's history event in the same transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from handling.models import Assignment
from organisation.models import Jurisdiction


class CheckState(models.TextChoices):
    OPEN = "open", "进行中"
    CLOSED = "closed", "已结束"


class SpotCheck(models.Model):
    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name="辖区", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("抽查名称", max_length=200)
    checked_by = models.CharField("检查单位", max_length=200, help_text="如 市政府办公室会同市政协提案委")
    cppcc_staff = models.CharField("政协参加人员", max_length=300, blank=True)
    members_took_part = models.BooleanField("邀请政协委员参加", default=False)
    members = models.CharField("参加的政协委员", max_length=500, blank=True)
    checked_on = models.DateField("检查日期")
    state = models.CharField("状态", max_length=10, choices=CheckState.choices, default=CheckState.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "抽查"
        constraints = [
            models.CheckConstraint(condition=models.Q(state__in=CheckState.values), name="spotcheck_state_valid"),
        ]
        indexes = [models.Index(fields=["jurisdiction", "year", "-id"], name="spotcheck_jur_year_idx")]

    def __str__(self) -> str:
        return self.title


class Draw(models.Model):
    """One random draw: what it drew from (``pool_ids``, the eligible assignments in id order, those already
    in the check left out), how many, with which seed — ``random.Random(seed).sample(pool_ids, size)``."""

    spot_check = models.ForeignKey(SpotCheck, on_delete=models.PROTECT, related_name="draws")
    seed = models.BigIntegerField("随机种子")
    size = models.PositiveIntegerField("抽取件数")
    percent = models.PositiveSmallIntegerField("抽取比例（%）", null=True, blank=True)
    criteria = models.JSONField("抽取范围", default=dict, blank=True)
    pool_ids = models.JSONField("可抽取的交办", default=list)
    drawn_ids = models.JSONField("抽中的交办", default=list)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "抽查随机抽取记录"

    def __str__(self) -> str:
        return f"{self.spot_check_id} 抽取 {self.size} 件（种子 {self.seed}）"


class How(models.TextChoices):
    RANDOM = "random", "随机抽取"
    CHOSEN = "chosen", "指定"


class Verdict(models.TextChoices):
    FULFILLED = "fulfilled", "落实到位"
    PARTLY = "partly", "基本落实"
    NOT_FULFILLED = "not_fulfilled", "未落实"


class ItemState(models.TextChoices):
    PENDING = "pending", "待检查"
    NO_ACTION = "no_action", "无需整改"
    AWAITING_ANSWER = "awaiting_answer", "待整改"
    ANSWERED = "answered", "整改待验收"
    ACCEPTED = "accepted", "整改已验收"


# The items nothing more is expected of.
SETTLED = frozenset({ItemState.NO_ACTION, ItemState.ACCEPTED})


class SpotCheckItem(models.Model):
    spot_check = models.ForeignKey(SpotCheck, on_delete=models.PROTECT, related_name="items")
    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="+")
    # the unit answering, copied from the assignment: the unit's list filters on it without a join
    department = models.ForeignKey(
        "organisation.Department", on_delete=models.PROTECT, related_name="+", editable=False
    )
    how = models.CharField("抽取方式", max_length=10, choices=How.choices)
    draw = models.ForeignKey(Draw, null=True, blank=True, on_delete=models.PROTECT, related_name="items")
    state = models.CharField("状态", max_length=20, choices=ItemState.choices, default=ItemState.PENDING)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    # the finding (检查情况)
    verdict = models.CharField("检查结论", max_length=20, choices=Verdict.choices, blank=True)
    findings = models.TextField("检查情况", blank=True)
    fixes = models.TextField("整改要求", blank=True)
    fix_due = models.DateField("整改时限", null=True, blank=True)
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    found_at = models.DateTimeField(null=True, blank=True)
    # the unit's answer (整改情况) and the office's review of it
    answer = models.TextField("整改情况", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField("验收意见", blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    times_returned = models.PositiveSmallIntegerField("退回整改次数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "抽查事项"
        constraints = [
            models.UniqueConstraint(fields=["spot_check", "assignment"], name="spotcheck_item_once_per_check"),
            models.CheckConstraint(condition=models.Q(state__in=ItemState.values), name="spotcheck_item_state_valid"),
            models.CheckConstraint(
                condition=models.Q(verdict="") | models.Q(verdict__in=Verdict.values),
                name="spotcheck_item_verdict_valid",
            ),
        ]
        indexes = [models.Index(fields=["department", "state"], name="spotcheck_item_dept_idx")]

    def __str__(self) -> str:
        return f"{self.spot_check_id}/{self.assignment_id}"


# The history events the actions write, as the timeline names them (web/labels.py).
EVENT_LABELS = {
    "spot_check_add": "列入抽查",
    "spot_check_finding": "抽查检查情况",
    "spot_check_answer": "反馈抽查整改情况",
    "spot_check_review": "抽查整改验收",
    "spot_check_close": "抽查结束",
}
