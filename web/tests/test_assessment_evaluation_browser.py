"""The CPPCC clerk enters the evaluation (政协评议) in Chromium: from the 督办 menu, a wrong score refused next
to its field, then saved and counted in the unit's assessment; axe-clean at 1280 and 375 px. Screenshots:
test-output/screenshots/assessment-evaluation-1280.png, assessment-evaluation-375.png and the refused form,
assessment-evaluation-refused-1280.png; the assessment as the CPPCC reads it, assessment-cppcc-1280.png."""

from __future__ import annotations

from typing import Any

import time_machine

from reports.actions import set_weights
from reports.tests import assessment_scene

from .conftest import PHONE
from .helpers import look


def test_the_cppcc_clerk_enters_a_score_and_sees_it(bworld: Any, open_page: Any) -> None:
    w = bworld
    with time_machine.travel(assessment_scene.NOW, tick=False):
        assessment_scene.build(w)
    set_weights(w.city, actor=w.office, values={
        "reply": 50, "on_time": 0, "meeting": 0, "satisfaction": 0, "self_check": 0, "follow_up": 0,
        "evaluation": 50,
    })  # fmt: skip
    web = open_page(w.cppcc, path="/cppcc/")
    menu = web.locator("#nav-supervision")
    menu.locator("summary").click()
    menu.get_by_role("link", name="政协评议").click()
    web.get_by_role("heading", name="示例市 2026年度政协评议").wait_for()

    field = web.get_by_label("市教育局评议得分")
    field.fill("120")
    web.get_by_label("市住房和城乡建设局评议得分").fill("60")
    web.get_by_role("button", name="保存评议得分").click()
    error = web.locator(f"#score-{w.jyj.pk}-error")
    error.wait_for()
    assert error.inner_text() == "不能大于 100"
    assert field.input_value() == "120"  # what was typed stays, to be corrected
    assert "均未保存" in web.get_by_role("alert").first.inner_text()
    look(web, "assessment-evaluation-refused")  # the refused form passes axe too

    field.fill("90")
    web.get_by_role("button", name="保存评议得分").click()
    web.get_by_text("已保存2026年度政协评议得分（2个单位有变动）。").wait_for()
    assert web.get_by_label("市教育局评议得分").input_value() == "90"
    row = web.locator(f'tr[data-department="{w.jyj.pk}"]')
    assert "45.00" in row.inner_text()  # 90 of 100 × the evaluation's 50 points
    assert "提案委李主任" in row.inner_text()
    look(web, "assessment-evaluation")

    # on a phone: the same form, no sideways scrolling (look checks it)
    phone = open_page(w.cppcc, PHONE, "/office/assessment/evaluations/?year=2026")
    assert phone.get_by_label("市教育局评议得分").input_value() == "90"
    look(phone, "assessment-evaluation")

    # the assessment counts it: 0.75 × 50 + 0.9 × 50
    web.locator("nav[aria-label=位置]").get_by_role("link", name="目标考核").click()
    web.locator("#ranking [data-chart] svg").wait_for()
    first = web.locator("#ranked-table tbody tr").first
    assert first.locator("th").inner_text().startswith("市教育局") and "82.50" in first.inner_text()
    assert web.locator("#weights form").count() == 0  # the weights read, not edited
    look(web, "assessment-cppcc")
