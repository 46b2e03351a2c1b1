"""Hole 2 of issue 7: CSV formula injection. A cell that a spreadsheet would run as a formula is written
with a leading ``'`` in every CSV export, the anonymous public one included."""

from __future__ import annotations

import csv
import io

import pytest
import time_machine
from django.test import Client

from conftest import World, act, assign, file_proposal

HOSTILE = [
    '=HYPERLINK("http://evil.example/","点我")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+1 关于制表符开头的提案",
    "\r=1+1 关于回车开头的提案",
]
NORMAL = "关于加强中小学课后服务的建议"


@pytest.fixture
def frozen():
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        yield


def _publish(world: World, title: str) -> None:
    """File a public proposal and take its one lead assignment to a signed, public reply."""
    p = file_proposal(world, title=title, is_public=True)
    a = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]["id"]
    act(world, world.jyj_handler, a, "receive")
    act(world, world.jyj_handler, a, "submit-form", {"opinion": "拟办", "handler_id": world.jyj_handler.pk})
    act(world, world.jyj_leader, a, "approve-form", {})
    act(world, world.jyj_handler, a, "draft-reply", {
        "text": "关于课后服务，我局已出台实施方案。", "result_class": "A", "method": "written", "is_public": True,
        "contact_person": "王联络员", "contact_phone": "0512-7654321"})  # fmt: skip
    act(world, world.jyj_head, a, "sign-reply", {})


def _rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _check_titles(rows: list[dict[str, str]]) -> None:
    titles = {r["案由"] for r in rows}
    assert titles == {"'" + t for t in HOSTILE} | {NORMAL}, titles
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (value, row)


def test_public_export_neutralises_formulas(world: World, frozen) -> None:
    for title in [*HOSTILE, NORMAL]:
        _publish(world, title)
    rows = _rows(Client().get("/public/", {"export": "csv"}))
    assert len(rows) == len(HOSTILE) + 1
    _check_titles(rows)
    # dates stay ISO text, untouched
    assert {r["签发日期"] for r in rows} == {"2026-03-02"}


def test_office_proposal_export_neutralises_formulas(world: World, frozen) -> None:
    for title in [*HOSTILE, NORMAL]:
        file_proposal(world, title=title)
    client = Client()
    client.force_login(world.office)
    rows = _rows(client.get("/proposals/", {"export": "csv"}))
    assert len(rows) == len(HOSTILE) + 1
    _check_titles(rows)
