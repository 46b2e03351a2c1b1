"""Response models of the spot-check endpoints (抽查): ``spotchecks.serialize``'s shapes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from api.schemas import Out, page_of


class SpotCheckItemOut(Out):
    id: int
    spot_check_id: int
    assignment_id: int
    proposal_id: int
    proposal_number: str
    session: str
    title: str
    department_id: int
    department: str
    how: str = Field(description="random 随机抽取 | chosen 指定")
    draw_id: int | None
    state: str = Field(
        description="pending 待检查 | no_action 无需整改 | awaiting_answer 待整改 | answered 整改待验收 | "
        "accepted 整改已验收"
    )
    verdict: str | None = Field(
        description="fulfilled 落实到位 | partly 基本落实 | not_fulfilled 未落实；未检查时为 null"
    )
    findings: str
    fixes: str
    fix_due: date | None
    found_at: datetime | None
    answer: str
    answered_at: datetime | None
    review_comment: str
    reviewed_at: datetime | None
    times_returned: int


class DrawOut(Out):
    id: int
    seed: int = Field(description="随机种子：random.Random(seed).sample(pool_ids, size) 即得 drawn_ids")
    size: int
    percent: int | None
    criteria: dict[str, Any]
    pool_size: int
    pool_ids: list[int] = Field(description="可抽取的交办（按 id 排序，已在本次抽查中的除外）")
    drawn_ids: list[int]
    drawn_by: str | None
    drawn_at: datetime


class SpotCheckOut(Out):
    id: int
    jurisdiction_id: int
    year: int
    title: str
    checked_by: str
    cppcc_staff: str
    members_took_part: bool
    members: str
    checked_on: date
    state: str = Field(description="open 进行中 | closed 已结束")
    created_at: datetime
    closed_at: datetime | None


class SummaryOut(Out):
    total: int
    checked: int
    verdicts: dict[str, int]
    states: dict[str, int]
    fixes_demanded: int
    fixes_accepted: int


class SpotCheckDetailOut(SpotCheckOut):
    items: list[SpotCheckItemOut]
    draws: list[DrawOut]
    summary: SummaryOut


SpotCheckPage = page_of(SpotCheckOut, "SpotCheckPage")
SpotCheckItemPage = page_of(SpotCheckItemOut, "SpotCheckItemPage")
