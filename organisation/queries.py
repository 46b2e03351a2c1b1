"""Look-ups of organisation records by id, with the Chinese error each channel returns."""

from __future__ import annotations

from lib.errors import InvalidInput, NotFound

from .models import Department, Jurisdiction


def get_jurisdiction(jurisdiction_id: int) -> Jurisdiction:
    j = Jurisdiction.objects.filter(pk=jurisdiction_id).first()
    if j is None:
        raise NotFound("辖区不存在。")
    return j


def existing_jurisdiction(jurisdiction_id: int, field: str) -> Jurisdiction:
    j = Jurisdiction.objects.filter(pk=jurisdiction_id).first()
    if j is None:
        raise InvalidInput("辖区不存在。", details={"field": field})
    return j


def existing_departments(ids: list[int], field: str) -> list[Department]:
    found = {d.pk: d for d in Department.objects.filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise InvalidInput(f"承办单位不存在：{missing}", details={"field": field})
    return [found[i] for i in ids]
