"""Response model of ``GET /stats``: the rows of ``reports.queries.department_stats``."""

from __future__ import annotations

from api.schemas import Out

Rate = float | None  # 0..1, null when undefined (nothing to divide by)


class StatsRowOut(Out):
    assigned: int
    replied: int
    reply_rate: Rate
    on_time_rate: Rate
    meeting_rate: Rate
    three_meetings_rate: Rate
    satisfaction_rate: Rate
    a: int
    b: int
    c: int
    returns: int
    extensions: int
    overdue: int
    rehandled: int


class DepartmentStatsOut(StatsRowOut):
    department_id: int
    name: str
    jurisdiction_id: int


class StatsOut(Out):
    totals: StatsRowOut
    departments: list[DepartmentStatsOut]
