"""The spot-check page in Chromium: reached from the list, its two charts drawn (the verdicts and each unit's
rectification), axe-clean at 1280 and 375 px; the screenshots are test-output/screenshots/
office-spotcheck-1280.png and -375.png, and the unit's list unit-spotchecks-375.png."""

from __future__ import annotations

import time_machine

from spotchecks.tests import scene

from .conftest import DESKTOP, PHONE
from .helpers import look

FINDINGS = {
    "J1": {"verdict": "fulfilled", "findings": "答复承诺的课后服务已在全市推开"},
    "J2": {"verdict": "partly", "findings": "部分学校尚未落实", "fixes": "年内覆盖全部学校", "fix_due": "2026-09-30"},
    "J3": {
        "verdict": "not_fulfilled",
        "findings": "承诺的场地改造未启动",
        "fixes": "制定改造计划并启动",
        "fix_due": "2026-08-31",
    },
    "W1": {"verdict": "fulfilled", "findings": "已落实"},
    "W2": {"verdict": "partly", "findings": "加装电梯审批仍偏慢", "fixes": "简化审批流程", "fix_due": "2026-08-31"},
}


def _scene(world):
    with time_machine.travel(scene.NOW, tick=False):
        ids = scene.build(world)
        check = scene.new_check(world, draw={"percent": 100, "seed": 20260701})
        items = {i["assignment_id"]: i["id"] for i in check["items"]}
        for key, body in FINDINGS.items():
            resp = world.api(world.office).post(f"/spot-check-items/{items[ids[key]]}/finding", body)
            assert resp.status == 200, resp.data
        for key in ("J2", "W2"):
            user = world.jyj_handler if key == "J2" else world.wjw_handler
            resp = world.api(user).post(f"/spot-check-items/{items[ids[key]]}/answer", {"text": "已按要求整改"})
            assert resp.status == 200, resp.data
        resp = world.api(world.office).post(f"/spot-check-items/{items[ids['W2']]}/accept", {"accept": True})
        assert resp.status == 200, resp.data
    return check


def test_the_spot_check_page_in_the_browser(bworld, open_page):
    check = _scene(bworld)
    web = open_page(bworld.office, path="/office/spot-checks/")
    web.get_by_role("link", name=check["title"]).click()
    for card in ("#verdicts", "#progress"):
        web.locator(f"{card} [data-chart] svg").wait_for()
        assert web.locator(f"{card} [data-chart] svg path").count() > 2, card
    look(web, "office-spotcheck")
    web.set_viewport_size(PHONE)
    web.reload()
    web.locator("#progress [data-chart] svg").wait_for()
    look(web, "office-spotcheck")
    web.set_viewport_size(DESKTOP)

    unit = open_page(bworld.jyj_handler, viewport=PHONE, path="/unit/spot-checks/")
    assert unit.locator(".spotcheck-item").count() == 3
    look(unit, "unit-spotchecks")
