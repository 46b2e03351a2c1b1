"""The assessment page in Chromium: reached from the office's workbench, its chart drawn, axe-clean, a
number drilled into; the screenshot is test-output/screenshots/office-assessment-1280.png."""

from __future__ import annotations

import time_machine

from reports.tests import assessment_scene

from .helpers import look


def test_the_page_in_the_browser(bworld, open_page):
    with time_machine.travel(assessment_scene.NOW, tick=False):
        assessment_scene.build(bworld)
    web = open_page(bworld.office, path="/office/")
    web.get_by_role("link", name="目标考核").click()
    web.locator("#ranking [data-chart] svg").wait_for()
    assert web.locator("#ranking [data-chart] svg rect, #ranking [data-chart] svg path").count() > 3
    look(web, "office-assessment")
    web.locator("#ranked-table a").first.click()
    web.locator(".drill-table").wait_for()
    assert "市教育局" in web.locator("h1").inner_text()
    look(web)  # the drill-down page passes axe too
