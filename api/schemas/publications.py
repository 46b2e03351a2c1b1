"""Response models of the circulars (通报)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from api.schemas import Out, page_of


class CircularOut(Out):
    id: int
    jurisdiction_id: int
    number: str = Field(description="文号，如 示例市政办督〔2026〕3号")
    title: str
    date_from: date = Field(description="所通报的交办日期范围（含）")
    date_to: date
    issued_on: date = Field(description="成文日期（数据统计截至此日）")
    issued_at: datetime
    issued_by: str
    sha256: str = Field(description="所印发 .docx 文件的 SHA-256")
    units: int = Field(description="发送的承办单位数")
    notified: int = Field(description="收到消息的用户数")


CircularPageOut = page_of(CircularOut, "CircularPageOut")
