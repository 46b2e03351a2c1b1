"""The pages work under the Content-Security-Policy (issue 7, hole 8): Chromium reports no violation and
no console error on any workbench, the proposal and assignment pages, the sign-in page and the API docs."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import assign, file_proposal
from tests.test_transitions import advance_lead

from .conftest import go, settled, sign_in

# Every CSP violation also fires this event; recorded from the first script on, before the page's own.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  var where = (e.sourceFile || "") + ":" + e.lineNumber;
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + where);
});
"""


def watch(page: Any) -> list[str]:
    """Collect the page's console errors and warnings (CSP and Permissions-Policy problems land there)."""
    messages: list[str] = []
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.add_init_script(RECORD_VIOLATIONS)
    return messages


def check(page: Any, path: str, messages: list[str]) -> None:
    go(page, path)
    settled(page)  # what the scripts draw after the load is drawn, and its violations reported
    violations = page.evaluate("window.__csp || []")
    # A missing favicon is the only console error a page may have; it has nothing to do with the policy.
    bad = [m for m in messages if "favicon" not in m and "404" not in m]
    assert not violations and not bad, (path, violations, bad)
    messages.clear()


@pytest.mark.usefixtures("fixed_day")
def test_no_csp_violation_on_any_page(bworld: Any, open_page: Any) -> None:
    w = bworld
    p = file_proposal(w, is_public=True, title="关于进一步加强中小学校园周边交通安全管理的建议")
    ids = {x["department_id"]: x["id"] for x in assign(w, p["id"], [(w.jyj, "lead")])["assignments"]}
    advance_lead(w, ids[w.jyj.pk], "replied", unit=w.jyj)
    other = file_proposal(w, title="关于加强社区卫生服务中心建设的建议")
    assign(w, other["id"], [(w.zjj, "lead"), (w.wjw, "co")])

    page = open_page(None)  # anonymous, then signed in as each user in turn
    messages = watch(page)
    for path in ("/login/", "/public/", "/api/v1/docs"):
        check(page, path, messages)
    # Swagger UI drew the operations, so its script ran
    page.wait_for_selector(".opblock", timeout=15_000)

    cases = [
        (w.office, ["/office/", f"/proposals/{p['id']}/", f"/assignments/{ids[w.jyj.pk]}/", "/proposals/"]),
        (w.jyj_handler, ["/unit/", f"/assignments/{ids[w.jyj.pk]}/"]),
        (w.mayor, ["/leader/"]),
        (w.cppcc, ["/cppcc/"]),
        (w.member1, ["/my/", f"/my/{p['id']}/"]),
    ]
    for user, paths in cases:
        sign_in(page, user)
        for path in paths:
            check(page, path, messages)
            if path == "/office/":
                # the board chart was drawn (its height comes from data-height, set through the CSSOM)
                chart = page.locator("[data-chart]").first
                assert chart.evaluate("el => el.style.height") != ""
                assert chart.locator("svg").count() >= 1
