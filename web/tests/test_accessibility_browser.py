"""axe-core on the shared pages (the workbenches are checked in their own tests), at both widths."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import act, assign, file_proposal

from .conftest import DESKTOP, PHONE, check_a11y, shot


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_shared_pages_pass_axe(bworld: Any, open_page: Any, viewport: dict[str, int]) -> None:
    w = bworld
    p = file_proposal(w)
    ids = {x["department_id"]: x["id"] for x in assign(w, p["id"], [(w.jyj, "lead"), (w.wjw, "co")])["assignments"]}
    act(w, w.jyj_handler, ids[w.jyj.pk], "receive")

    anonymous = open_page(None, viewport=viewport)
    for path, name in (("/", "home"), ("/login/", "login")):
        anonymous.goto(w.url + path)
        check_a11y(anonymous)
        shot(anonymous, name)

    office = open_page(w.office, viewport=viewport)
    for path, name in (
        ("/proposals/", "proposal-list"),
        ("/assignments/?state=pending", "assignment-list"),
        (f"/proposals/{p['id']}/", "proposal-page"),
        (f"/assignments/{ids[w.jyj.pk]}/", "assignment-page-office"),
        ("/notifications/", "notifications"),
    ):
        office.goto(w.url + path)
        check_a11y(office)
        shot(office, name)

    handler = open_page(w.jyj_handler, viewport=viewport)
    handler.goto(f"{w.url}/assignments/{ids[w.jyj.pk]}/")  # with its open forms (承办单…)
    check_a11y(handler)
    response = handler.goto(f"{w.url}/proposals/999999/")
    assert response.status == 404
    check_a11y(handler)
