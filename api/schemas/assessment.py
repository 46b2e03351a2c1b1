"""Response models of the assessment endpoints (目标考核): the rows of ``reports.assessment.assess``."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from api.schemas import Out


class PartOut(Out):
    rate: float | None = Field(description="numerator / denominator，0..1；无分母时为 null")
    weight: int = Field(description="设定的权重（满分 100 中的分值）")
    effective_weight: float = Field(description="按计分项目折算后的权重（计分项目之和为 100）")
    points: float = Field(description="得分 = effective_weight × rate")
    numerator: int
    denominator: int
    counted: bool = Field(description="是否计分：权重大于 0 且有分母")


class PartsOut(Out):
    reply: PartOut
    on_time: PartOut
    meeting: PartOut
    satisfaction: PartOut
    self_check: PartOut
    follow_up: PartOut
    evaluation: PartOut


class AssessmentRowOut(Out):
    department_id: int
    name: str
    score: float | None = Field(description="0..100，没有计分项目时为 null")
    rank: int | None = Field(description="名次，并列同名次；不参与排名时为 null")
    ranked: bool
    reason: str = Field(description="不参与排名的原因")
    assigned: int
    overdue: int
    commended: bool = Field(description="列入表彰：参与排名、得分不低于 95 且无逾期")
    evaluation: int | None = Field(description="政协评议得分，未录入时为 null")
    parts: PartsOut


class WeightsOut(Out):
    jurisdiction_id: int
    reply: int
    on_time: int
    meeting: int
    satisfaction: int
    self_check: int
    follow_up: int
    evaluation: int
    min_assigned: int
    total: int
    updated_at: datetime | None
    updated_by: str | None


class EvaluationOut(Out):
    department_id: int
    name: str
    year: int
    score: int | None
