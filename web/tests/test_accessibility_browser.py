"""axe-core on the shared pages (the workbenches are checked in their own tests), at both widths."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import act, assign, file_proposal
from tests.test_transitions import advance_lead

from .conftest import DESKTOP, PHONE, check_a11y, go, shot, sign_in
from .helpers import look


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_shared_pages_pass_axe(bworld: Any, open_page: Any, viewport: dict[str, int]) -> None:
    w = bworld
    p = file_proposal(w)
    ids = {x["department_id"]: x["id"] for x in assign(w, p["id"], [(w.jyj, "lead"), (w.wjw, "co")])["assignments"]}
    act(w, w.jyj_handler, ids[w.jyj.pk], "receive")

    page = open_page(None, viewport=viewport)  # anonymous, then the office, then the unit's handler
    for path, name in (("/", "home"), ("/login/", "login")):
        go(page, path)
        check_a11y(page)
        shot(page, name)

    sign_in(page, w.office)
    for path, name in (
        ("/proposals/", "proposal-list"),
        ("/assignments/?state=pending", "assignment-list"),
        (f"/proposals/{p['id']}/", "proposal-page"),
        (f"/assignments/{ids[w.jyj.pk]}/", "assignment-page-office"),
        ("/notifications/", "notifications"),
    ):
        go(page, path)
        check_a11y(page)
        shot(page, name)

    sign_in(page, w.jyj_handler)
    go(page, f"/assignments/{ids[w.jyj.pk]}/")  # with its open forms (承办单…)
    check_a11y(page)
    response = page.goto(f"{w.url}/proposals/999999/")
    assert response.status == 404
    check_a11y(page)


@pytest.mark.usefixtures("fixed_day")
def test_every_action_form_passes_axe_when_open(bworld: Any, open_page: Any) -> None:
    """Open every form a page offers (rows, radios, checkboxes, selects) and check them all at once."""
    w = bworld
    p = file_proposal(w)
    ids = {x["department_id"]: x["id"] for x in assign(w, p["id"], [(w.jyj, "lead"), (w.zjj, "lead")])["assignments"]}
    lead, other = ids[w.jyj.pk], ids[w.zjj.pk]
    advance_lead(w, lead, "handling", unit=w.jyj, key=False)
    act(w, w.jyj_handler, lead, "request-extension", {"reason": "需协调", "new_due_on": "2026-07-01"})
    act(w, w.zjj_handler, other, "request-return", {"reason": "不属于本单位职责"})
    cases = [
        (w.jyj_handler, f"/assignments/{lead}/", {"draft_reply", "contact"}),
        (w.office, f"/assignments/{lead}/", {"decide_extension", "government_decision", "remind"}),
        (w.cppcc, f"/assignments/{lead}/", {"consult_extension"}),
        (w.office, f"/assignments/{other}/", {"decide_return"}),
        (w.office, f"/proposals/{p['id']}/", {"flags"}),
    ]
    page = open_page(None)
    for user, path, expected in cases:
        sign_in(page, user)
        go(page, path)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        shown = set(page.locator(".action-panel").evaluate_all("els => els.map(e => e.id.slice(7))"))
        assert expected <= shown, (user.username, path, shown)
        check_a11y(page)


@pytest.mark.usefixtures("fixed_day")
def test_every_workbench_fits_a_phone(bworld: Any, open_page: Any) -> None:
    """Each role's workbench at 375 px, with something on it: readable, no sideways scrolling, axe-clean."""
    w = bworld
    file_proposal(w, title="关于推进老旧小区加装电梯的建议")  # waiting for assignment
    p = file_proposal(w, is_key=True, title="关于进一步加强中小学校园周边交通安全管理的建议")
    aid = assign(w, p["id"], [(w.jyj, "lead")])["assignments"][0]["id"]
    advance_lead(w, aid, "leader_approval", unit=w.jyj, key=True)
    other = file_proposal(w, title="关于加强社区卫生服务中心建设的建议")
    assign(w, other["id"], [(w.zjj, "lead"), (w.wjw, "co")])
    page = open_page(None, viewport=PHONE)
    for user, url in (
        (w.office, "/office/"), (w.jyj_handler, "/unit/"), (w.wjw_handler, "/unit/"), (w.mayor, "/leader/"),
        (w.cppcc, "/cppcc/"), (w.member1, "/my/"), (w.member1, f"/my/{p['id']}/"),
    ):  # fmt: skip
        sign_in(page, user)
        go(page, url)
        assert page.locator("h1").count() == 1, url
        look(page)
