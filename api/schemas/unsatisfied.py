"""Response model of ``GET /reports/unsatisfied``: ``reports.unsatisfied.analysis`` (its docstring has the
definitions)."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from api.schemas import Out

Rate = float | None  # 0..1, null when nothing was rated


class UnsatisfiedCountsOut(Out):
    assigned: int = Field(description="主办件数（未退回）")
    rated: int = Field(description="已评价的主办件（以第一提案人的评价为准）")
    first_satisfied: int = Field(description="首次评价满意或基本满意的件数")
    final_satisfied: int = Field(description="最终（最近一次）评价满意或基本满意的件数")
    first_rate: Rate = Field(description="首次满意率 first_satisfied / rated")
    final_rate: Rate = Field(description="最终满意率 final_satisfied / rated（即 /stats 的 satisfaction_rate）")
    change: Rate = Field(description="final_rate − first_rate")
    cases: int = Field(description="不满意评价次数（一件两次不满意计两次）")
    resolved: int = Field(description="再次评价满意或基本满意")
    still_unsatisfied: int = Field(description="再次评价仍不满意")
    awaiting_rating: int = Field(description="已再次答复，待评价")
    overdue: int = Field(description="再次办理期限已过仍未答复")
    rehandling: int = Field(description="再次办理中（未过期限）")


class UnsatisfiedUnitOut(UnsatisfiedCountsOut):
    department_id: int
    name: str
    jurisdiction_id: int


class UnsatisfiedCaseOut(Out):
    feedback_id: int
    assignment_id: int
    proposal_id: int
    session: str
    number: str
    title: str
    department_id: int
    department: str
    round: int = Field(description="该件的第几次不满意评价")
    rated_on: date
    proposer: str
    attitude: str = Field(description="办理态度：satisfied、basically_satisfied、unsatisfied")
    reason: str = Field(description="提案人的意见建议（不满意的理由）")
    on_paper: bool = Field(description="由工作人员代录的纸质反馈")
    entered_by: str
    rated_reply_class: str
    rated_reply_on: date | None
    rehandle_due: date | None = Field(description="再次办理期限")
    reply_on: date | None = Field(description="再次答复日期")
    reply_class: str
    reply_on_time: bool | None = Field(description="再次答复是否在期限内")
    later_result: str = Field(description="再次评价的结果，尚未评价为空")
    later_rated_on: date | None
    later_reason: str
    outcome: str = Field(description="resolved、still_unsatisfied、awaiting_rating、overdue、rehandling")


class UnsatisfiedOut(Out):
    year: int
    totals: UnsatisfiedCountsOut
    departments: list[UnsatisfiedUnitOut]
    cases: list[UnsatisfiedCaseOut]
