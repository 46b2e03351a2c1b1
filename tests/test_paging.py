"""Paging that holds at a province's size (issue 9): keyset paging (``?after=``), a bounded count, and a
deep ``page=`` that costs the same number of queries as the first."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

import lib.paging
import web.lists
from conftest import World, file_proposal


def _file(world: World, n: int) -> list[int]:
    return [file_proposal(world, title=f"关于第{i}件事项的建议")["id"] for i in range(n)]


def test_keyset_paging_never_skips_or_repeats_a_row_while_rows_are_added(world: World) -> None:
    existing = _file(world, 12)
    api = world.api(world.office)
    seen: list[int] = []
    after: int | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"page_size": 5}
        if after is not None:
            params["after"] = after
        data = api.get("/proposals", **params).data
        seen += [p["id"] for p in data["items"]]
        pages += 1
        _file(world, 3)  # new proposals arrive between two pages: with OFFSET, rows would shift and repeat
        after = data["next_after"]
        if after is None:
            break
        assert after == data["items"][-1]["id"]
    assert seen == sorted(existing, reverse=True)  # every row once, newest first, none of the later ones
    assert pages == 3


def test_offset_and_keyset_pages_agree(world: World) -> None:
    ids = sorted(_file(world, 7), reverse=True)
    api = world.api(world.office)
    first = api.get("/proposals", page_size=3).data
    second = api.get("/proposals", page_size=3, after=first["next_after"]).data
    by_offset = api.get("/proposals", page_size=3, page=2).data
    assert [p["id"] for p in first["items"]] == ids[:3]
    assert [p["id"] for p in second["items"]] == [p["id"] for p in by_offset["items"]] == ids[3:6]
    assert first["total"] == 7 and first["total_exact"] is True
    last = api.get("/proposals", page_size=3, page=3).data
    assert [p["id"] for p in last["items"]] == ids[6:] and last["next_after"] is None


def test_the_count_stops_at_the_cap(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    _file(world, 5)
    monkeypatch.setattr(lib.paging, "COUNT_CAP", 3)  # the one cap of both channels
    data = world.api(world.office).get("/proposals", page_size=2, page=3).data
    assert data["total"] == 3 and data["total_exact"] is False
    assert len(data["items"]) == 1  # the rows beyond the cap are still served
    client = Client()
    client.force_login(world.office)
    page = client.get("/proposals/").content.decode()
    assert "共 3+ 条" in page


def test_the_count_label_of_a_capped_list() -> None:
    assert web.lists.count_label(10_000, False) == "1万+"
    assert web.lists.count_label(10_000, True) == "10000"
    assert web.lists.count_label(42, True) == "42"


def _queries(api: Any, path: str, **params: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        resp = api.get(path, **params)
    assert resp.status == 200 and resp.data["items"], resp.data
    return len(ctx.captured_queries)


def test_a_deep_page_runs_as_many_queries_as_the_first(world: World) -> None:
    _file(world, 12)
    api = world.api(world.office)
    api.get("/me")  # the token's first use is stamped once; leave it out
    first = _queries(api, "/proposals", page_size=2)
    deep = _queries(api, "/proposals", page_size=2, page=6)
    keyset = _queries(api, "/proposals", page_size=2, after=api.get("/proposals", page_size=2).data["next_after"])
    assert first == deep == keyset


def test_the_pages_next_link_keeps_the_filters(world: World) -> None:
    _file(world, 25)
    client = Client()
    client.force_login(world.office)
    page = client.get("/proposals/?page=2").content.decode()
    assert "第 2 / 2 页" in page and "上一页" in page and "下一页" not in page
    first = client.get("/proposals/").content.decode()
    assert "下一页" in first and "page=2" in first


def test_bulk_loads_get_the_read_columns_the_actions_keep(world: World) -> None:
    """``fill_read_columns`` (run after ``load_scale``'s COPY) sets what the actions set one by one."""
    from django.db.models import F

    from conftest import act, assign
    from handling.actions import fill_read_columns
    from handling.models import Assignment, Reply
    from handling.queries import published_replies

    for public in (True, False):
        p = file_proposal(world)
        lead = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]["id"]
        act(world, world.jyj_handler, lead, "receive")
        act(world, world.jyj_handler, lead, "submit-form", {"opinion": "拟办", "handler_id": world.jyj_handler.pk})
        act(world, world.jyj_leader, lead, "approve-form", {})
        act(world, world.jyj_handler, lead, "draft-reply", {
            "text": "答复内容", "result_class": "A", "method": "written", "is_public": public,
            "contact_person": "王老师", "contact_phone": "0512-1234567"})  # fmt: skip
        act(world, world.jyj_head, lead, "sign-reply", {})
    kept = set(published_replies().values_list("pk", "published_on", "published_year"))
    jurisdictions = set(Assignment.objects.values_list("pk", "jurisdiction_id"))
    assert len(kept) == 1 and all(j == world.city.pk for _, j in jurisdictions)
    Reply.objects.update(published_on=F("delivered_on"), published_year=2000)  # the private one marked too
    fill_read_columns()
    marked = Reply.objects.filter(published_on__isnull=False).values_list("pk", "published_on", "published_year")
    assert set(marked) == {(pk, on, 2000) for pk, on, _ in kept}
    Reply.objects.update(published_on=None, published_year=None)
    Assignment.objects.update(jurisdiction=None)
    fill_read_columns()
    assert set(published_replies().values_list("pk", "published_on", "published_year")) == kept
    assert set(Assignment.objects.values_list("pk", "jurisdiction_id")) == jurisdictions
