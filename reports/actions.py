"""The two changes the assessment knows: the office sets its jurisdiction's weights, the CPPCC enters its
evaluation (评议) of a unit. Each checks the role and the jurisdiction, and reports the change to the security
audit log (``organisation.signals.security_event``, as changes of a jurisdiction's rules are) inside its
transaction, so the entry commits with the change or not at all."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from django.db import transaction

from lib.errors import Forbidden, InvalidInput, RuleViolation
from organisation.actions import require_office_of
from organisation.models import Department, Jurisdiction, Role, User
from organisation.signals import security_event

from .models import DEFAULT_MIN_ASSIGNED, DEFAULT_WEIGHTS, AssessmentWeights, UnitEvaluation

MIN_ASSIGNED_MAX = 1000


@dataclass(frozen=True)
class Weights:
    """A jurisdiction's weights (points out of 100) and the fewest lead assignments a ranked unit needs."""

    reply: int = DEFAULT_WEIGHTS["reply"]
    on_time: int = DEFAULT_WEIGHTS["on_time"]
    meeting: int = DEFAULT_WEIGHTS["meeting"]
    satisfaction: int = DEFAULT_WEIGHTS["satisfaction"]
    self_check: int = DEFAULT_WEIGHTS["self_check"]
    follow_up: int = DEFAULT_WEIGHTS["follow_up"]
    evaluation: int = DEFAULT_WEIGHTS["evaluation"]
    min_assigned: int = DEFAULT_MIN_ASSIGNED

    def of(self, part: str) -> int:
        value: int = getattr(self, part)
        return value

    @property
    def total(self) -> int:
        return sum(self.of(p) for p in DEFAULT_WEIGHTS)

    def as_json(self) -> dict[str, int]:
        return asdict(self)


WEIGHT_FIELDS = tuple(f.name for f in fields(Weights))


def weights_of(jurisdiction_id: int) -> Weights:
    """The jurisdiction's weights, or the defaults of domain.md §7 while its office has set none."""
    row = AssessmentWeights.objects.filter(jurisdiction_id=jurisdiction_id).first()
    if row is None:
        return Weights()
    return Weights(**{name: getattr(row, name) for name in WEIGHT_FIELDS})


def check_weights(values: dict[str, Any]) -> Weights:
    """Every weight a whole number 0–100, their sum exactly 100, and at least one unit's worth to rank."""
    unknown = set(values) - set(WEIGHT_FIELDS)
    if unknown:
        fields_ = dict.fromkeys(sorted(unknown), "未知")
        raise InvalidInput("未知的权重项：" + "、".join(fields_), details={"fields": fields_})
    merged = {**Weights().as_json(), **values}
    for part in DEFAULT_WEIGHTS:
        value = merged[part]
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
            raise InvalidInput("每项权重应为0到100之间的整数。", details={"fields": {part: "应为0到100之间的整数"}})
    minimum = merged["min_assigned"]
    if not isinstance(minimum, int) or isinstance(minimum, bool) or not 1 <= minimum <= MIN_ASSIGNED_MAX:
        raise InvalidInput(
            f"参与排名的最少主办件数应为1到{MIN_ASSIGNED_MAX}之间的整数。",
            details={"fields": {"min_assigned": f"应为1到{MIN_ASSIGNED_MAX}之间的整数"}},
        )
    weights = Weights(**merged)
    if weights.total != 100:
        raise RuleViolation(
            "weights_not_100",
            f"各项权重之和应为100，现为{weights.total}。",
            details={"total": weights.total},
        )
    return weights


@transaction.atomic
def set_weights(jurisdiction: Jurisdiction, *, actor: User, values: dict[str, Any]) -> Weights:
    """Set the jurisdiction's weights (only its own office, or a superuser); ``values`` may leave some out,
    which keep their current value."""
    require_office_of(actor, jurisdiction)
    before = weights_of(jurisdiction.pk)
    after = check_weights({**before.as_json(), **values})
    if after == before and AssessmentWeights.objects.filter(jurisdiction=jurisdiction).exists():
        return after
    AssessmentWeights.objects.update_or_create(
        jurisdiction=jurisdiction, defaults={**after.as_json(), "updated_by": actor}
    )
    security_event.send(
        sender=AssessmentWeights, kind="assessment_weights_changed", user=None, actor=actor, request=None,
        outcome="success",
        data={"jurisdiction_id": jurisdiction.pk, "before": before.as_json(), "after": after.as_json()},
    )  # fmt: skip
    return after


def require_cppcc_of(actor: User, jurisdiction_id: int) -> None:
    if actor.is_superuser:
        return
    if actor.role != Role.CPPCC_STAFF or actor.jurisdiction_id != jurisdiction_id:
        raise Forbidden("只有本辖区政协提案委工作人员可以录入评议得分。")


@transaction.atomic
def set_evaluation(department: Department, *, year: int, score: int | None, actor: User) -> UnitEvaluation | None:
    """Enter (or correct) the CPPCC's score 0–100 of a unit for a year; ``None`` takes it back."""
    require_cppcc_of(actor, department.jurisdiction_id)
    if score is not None and (isinstance(score, bool) or not 0 <= score <= 100):
        raise InvalidInput("评议得分应为0到100之间的整数。", details={"fields": {"score": "应为0到100之间的整数"}})
    if not 1949 <= year <= 2200:
        raise InvalidInput("年度应在1949到2200之间。", details={"fields": {"year": "超出范围"}})
    row = UnitEvaluation.objects.select_for_update().filter(department=department, year=year).first()
    before = row.score if row else None
    if before == score:
        return row
    if score is None:
        assert row is not None
        row.delete()
        row = None
    elif row is None:
        row = UnitEvaluation.objects.create(department=department, year=year, score=score, entered_by=actor)
    else:
        row.score, row.entered_by = score, actor
        row.save(update_fields=["score", "entered_by", "entered_at"])
    security_event.send(
        sender=UnitEvaluation, kind="unit_evaluation_changed", user=None, actor=actor, request=None,
        outcome="success",
        data={"department_id": department.pk, "year": year, "before": before, "after": score},
    )  # fmt: skip
    return row
