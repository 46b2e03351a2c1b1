"""不满意提案分析 in Chromium: reached from the office's 督办 menu, its chart drawn, axe-clean at 1280 and
375 px, a number opened; screenshots test-output/screenshots/unsatisfied-analysis-1280.png and -375.png."""

from __future__ import annotations

from typing import Any

import time_machine

from reports.tests import unsatisfied_scene

from .conftest import PHONE, go, sign_in
from .helpers import look


def test_the_page_in_the_browser(bworld: Any, open_page: Any) -> None:
    unsatisfied_scene.build(bworld)
    with time_machine.travel("2026-07-01 10:00 +0800", tick=True):
        page = open_page(bworld.office, path="/office/")
        page.locator("#nav-supervision summary").click()
        page.get_by_role("link", name="不满意分析").click()
        page.locator("#units [data-chart] svg").wait_for()
        assert page.locator("#units [data-chart] svg path, #units [data-chart] svg rect").count() > 3
        assert page.locator("tr[data-feedback]").count() == 5
        look(page, "unsatisfied-analysis")
        page.get_by_role("link", name="市教育局首次评价满意 1").click()
        page.locator(".drill-table").wait_for()
        assert page.locator(".drill-table tbody tr").count() == 1
        look(page)

        sign_in(page, bworld.vicemayor)
        page.set_viewport_size(PHONE)
        go(page, "/office/unsatisfied/?year=2026")
        page.locator("#units [data-chart] svg").wait_for()
        look(page, "unsatisfied-analysis")  # and no sideways scrolling
