"""The circular and the annual report pages in Chromium: figures, named units, the charts as pictures that
have loaded, axe-clean; screenshots test-output/screenshots/office-circular-1280.png and
office-annual-report-1280.png."""

from __future__ import annotations

import time_machine

from publications.tests import scene

from .helpers import look


def test_the_circular_and_the_annual_report_pages(bworld, open_page):
    with time_machine.travel(scene.NOW, tick=False):
        scene.build(bworld)
    web = open_page(bworld.office, path="/office/reports/circular/?date_from=2026-01-01&date_to=2026-06-30")
    assert "关于2026年1月至6月政协提案办理工作进展情况的通报" in web.locator("#circular-title").inner_text()
    assert "市教育局" in web.locator(".circular-criticised").inner_text()
    assert web.locator("#circular-units tbody tr").count() == 5
    look(web, "office-circular")

    web.goto(web.url.split("/office/")[0] + "/office/reports/annual/?year=2026")
    for img in ("#annual-shares-title", "#annual-rates-title"):
        picture = web.locator(f"section:has({img}) img")
        picture.wait_for()
        assert picture.evaluate("i => i.complete && i.naturalWidth > 300")
    assert web.locator("#annual-reply-rate").inner_text() == "60%"
    look(web, "office-annual-report")
