"""What the yearly assessment (目标考核, domain.md §7) reads besides the handling records: the weights each
jurisdiction's office sets, and the CPPCC's evaluation (评议, §五(四)) of each unit. Both change only through
``reports.actions``, which checks the role and reports the change to the audit log."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from organisation.models import Department, Jurisdiction

# The parts of the score, in the order the page shows them, with their default weights (domain.md §7).
DEFAULT_WEIGHTS: dict[str, int] = {
    "reply": 20,
    "on_time": 20,
    "meeting": 15,
    "satisfaction": 30,
    "self_check": 5,
    "follow_up": 10,
    "evaluation": 0,
}
DEFAULT_MIN_ASSIGNED = 3


def _weight(label: str, part: str) -> models.PositiveSmallIntegerField[int, int]:
    return models.PositiveSmallIntegerField(label, default=DEFAULT_WEIGHTS[part], validators=[MaxValueValidator(100)])


class AssessmentWeights(models.Model):
    """The weights of one jurisdiction's assessment, in points out of 100 (their sum is 100)."""

    jurisdiction = models.OneToOneField(
        Jurisdiction, on_delete=models.PROTECT, related_name="assessment_weights", verbose_name="辖区"
    )
    reply = _weight("办复率权重", "reply")
    on_time = _weight("按时办复率权重", "on_time")
    meeting = _weight("见面率权重", "meeting")
    satisfaction = _weight("满意率权重", "satisfaction")
    self_check = _weight("回头看完成率权重", "self_check")
    follow_up = _weight("B类跟踪落实率权重", "follow_up")
    evaluation = _weight("政协评议权重", "evaluation")
    min_assigned = models.PositiveSmallIntegerField(
        "参与排名的最少主办件数", default=DEFAULT_MIN_ASSIGNED, validators=[MinValueValidator(1)]
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = verbose_name_plural = "目标考核权重"
        constraints = [
            # the action refuses another sum with its message; the database holds the rule too
            models.CheckConstraint(
                condition=models.Q(
                    reply=100
                    - models.F("on_time")
                    - models.F("meeting")
                    - models.F("satisfaction")
                    - models.F("self_check")
                    - models.F("follow_up")
                    - models.F("evaluation")
                ),
                name="assessment_weights_sum_100",
            )
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction_id} 目标考核权重"


class UnitEvaluation(models.Model):
    """The CPPCC's score (0–100) of one unit's handling in one year (评议)."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+", verbose_name="承办单位")
    year = models.PositiveSmallIntegerField("年度")
    score = models.PositiveSmallIntegerField("评议得分", validators=[MaxValueValidator(100)])
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "政协评议得分"
        constraints = [
            models.UniqueConstraint(fields=["department", "year"], name="unit_evaluation_once_a_year"),
            models.CheckConstraint(condition=models.Q(score__lte=100), name="unit_evaluation_score_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.department_id} {self.year}: {self.score}"


class UnitYearFigures(models.Model):
    """One unit's counts of one year (``reports.queries.count_units``' row), kept so that the dashboard, the
    assessment and /stats read a few hundred rows instead of aggregating a province's assignments on every
    request. A row is read only while it is exact: counted today (overdue and "due" counts depend on the
    day) and with no ``history.UnitChange`` mark of its unit and year left; otherwise that unit is counted
    afresh. The worker (scan ``figures``) recounts the marked units and, once a day, every row."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    counted_on = models.DateField()
    counts = models.JSONField()

    class Meta:
        verbose_name = verbose_name_plural = "单位年度统计"
        constraints = [models.UniqueConstraint(fields=["year", "department"], name="unit_year_figures_once")]

    def __str__(self) -> str:
        return f"{self.year} {self.department_id}"
