"""Dates as offices write them (2026年12月2日: no zero padding), for pages, messages and documents.

The API and CSV exports keep ISO 8601; everything a person reads goes through here.
"""

from __future__ import annotations

from datetime import date, datetime


def cn_date(value: date | datetime | None, empty: str = "") -> str:
    if value is None:
        return empty
    return f"{value.year}年{value.month}月{value.day}日"
