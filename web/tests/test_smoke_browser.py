from __future__ import annotations

from typing import Any

from conftest import assign, file_proposal

from .conftest import check_a11y, shot


def test_unit_receives_in_browser(bworld: Any, open_page: Any) -> None:
    p = file_proposal(bworld)
    data = assign(bworld, p["id"], [(bworld.jyj, "lead")])
    a_id = data["assignments"][0]["id"]
    page = open_page(bworld.jyj_handler)
    page.goto(f"{bworld.url}/assignments/{a_id}/")
    check_a11y(page)
    page.get_by_role("button", name="签收").click()
    page.get_by_text("已签收").first.wait_for()
    shot(page, "smoke-assignment")
