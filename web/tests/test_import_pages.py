"""The import page on the CPPCC workbench (导入提案): upload → preview with every row's problems → fix →
confirm; then every row is registered, or none. Walked through the pages and in the browser."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from conftest import World, file_proposal, make_session
from history.models import Event
from proposals.models import Proposal

from .helpers import frozen_clock, look, signed_in

_today = frozen_clock("2026-03-02 09:00 +0800")
HEADER = ["序号", "提案标题", "提案人", "附议人", "提案类别", "提案内容"]


def sheet(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


GOOD: list[list[Any]] = [
    ["1", "关于加强中小学课后服务的建议", "张委员", None, "教育事业", "情况分析……具体建议……"],
    ["2", "关于老旧小区加装电梯的建议", "李委员", "赵委员", "城乡建设", "建议……"],
    ["3", "关于发展社区嵌入式托育的建议", "赵委员", None, "社会事业", "建议……"],
]
BAD: list[list[Any]] = [
    GOOD[0],
    ["1", "关于老旧小区加装电梯的建议", "李委员", "赵委员", "城乡建设", "建议……"],
    ["3", None, "赵委员", None, "社会事业", "…"],
]


def pending_files() -> list[Path]:
    return list(Path(settings.IMPORT_PENDING_DIR).glob("*.xlsx"))


def test_preview_shows_every_row_error_and_registers_nothing(world: World) -> None:
    session = make_session(world)
    client = signed_in(world.cppcc)
    resp = client.post(
        "/cppcc/proposals/import/", {"session_id": session, "file": SimpleUploadedFile("表.xlsx", sheet(BAD))}
    )
    assert resp.status_code == 422
    html = resp.content.decode()
    assert "有 2 行不符合要求，所有提案都未导入" in html
    assert "提案号“1”与第2行重复。" in html and "缺少案由。" in html and "第4行" in html
    assert "确认导入" not in html
    assert Proposal.objects.count() == 0 and "token" not in client.session.get("proposal_import", {})


def test_preview_then_confirm_registers_all_rows(world: World) -> None:
    session = make_session(world)
    client = signed_in(world.cppcc)
    before = set(pending_files())
    resp = client.post(
        "/cppcc/proposals/import/", {"session_id": session, "file": SimpleUploadedFile("表.xlsx", sheet(GOOD))}
    )
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "确认导入 3 件提案" in html and "李委员（member2）、赵委员（member3）" in html
    assert Proposal.objects.count() == 0  # a preview registers nothing
    token = client.session["proposal_import"]["token"]
    assert len(set(pending_files()) - before) == 1
    # another user's session does not know the token
    other = signed_in(world.cppcc)
    assert other.post("/cppcc/proposals/import/", {"confirm": "1", "token": token}).status_code == 400
    resp = client.post("/cppcc/proposals/import/", {"confirm": "1", "token": token})
    assert resp.status_code == 302 and resp["Location"] == f"/proposals/?session={session}"
    assert Proposal.objects.filter(session_id=session).count() == 3
    assert Event.objects.filter(action="register", actor=world.cppcc).count() == 3
    assert set(pending_files()) - before == set()  # the kept file is gone
    # confirming twice does not register twice
    assert client.post("/cppcc/proposals/import/", {"confirm": "1", "token": token}).status_code == 400
    assert Proposal.objects.count() == 3


def test_a_number_taken_between_preview_and_confirm_refuses_the_whole_file(world: World) -> None:
    session = make_session(world)
    client = signed_in(world.cppcc)
    client.post("/cppcc/proposals/import/", {"session_id": session, "file": SimpleUploadedFile("表.xlsx", sheet(GOOD))})
    file_proposal(world, session_id=session, number="2")
    resp = client.post(
        "/cppcc/proposals/import/", {"confirm": "1", "token": client.session["proposal_import"]["token"]}
    )
    assert resp.status_code == 422
    assert "本届次已有第2号提案。" in resp.content.decode()
    assert Proposal.objects.filter(session_id=session).count() == 1


def test_a_file_that_is_not_excel_is_refused_on_the_page(world: World) -> None:
    session = make_session(world)
    client = signed_in(world.cppcc)
    resp = client.post(
        "/cppcc/proposals/import/", {"session_id": session, "file": SimpleUploadedFile("表.xlsx", b"a,b\n")}
    )
    assert resp.status_code == 400
    assert "文件不是 Excel 工作簿（.xlsx）" in resp.content.decode()


def test_only_the_committee_opens_the_import_page(world: World) -> None:
    for user in (world.office, world.jyj_handler, world.member1):
        assert signed_in(user).get("/cppcc/proposals/import/").status_code == 403
        assert signed_in(user).get("/cppcc/proposals/import/template.xlsx").status_code == 403
    assert signed_in(world.cppcc).get("/cppcc/proposals/import/").status_code == 200


# ---------------------------------------------------------------------------------------------------
# In the browser


def test_import_walk_in_the_browser(bworld: Any, open_page: Any, tmp_path: Path) -> None:
    make_session(bworld)
    bad, good = tmp_path / "提案汇总表-有误.xlsx", tmp_path / "提案汇总表.xlsx"
    bad.write_bytes(sheet(BAD))
    good.write_bytes(sheet(GOOD))
    page = open_page(bworld.cppcc, path="/cppcc/")
    page.get_by_role("link", name="导入提案").click()
    page.wait_for_url("**/cppcc/proposals/import/")
    look(page, "cppcc-import")
    page.get_by_label("提案表（.xlsx）").set_input_files(str(bad))
    page.get_by_role("button", name="上传并预览").click()
    page.get_by_text("提案号“1”与第2行重复。").wait_for()
    page.get_by_text("缺少案由。").wait_for()
    assert page.get_by_role("button", name="确认导入").count() == 0
    look(page, "cppcc-import-errors")
    page.set_viewport_size({"width": 375, "height": 812})
    look(page, "cppcc-import-errors")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert Proposal.objects.count() == 0

    page.get_by_label("提案表（.xlsx）").set_input_files(str(good))
    page.get_by_role("button", name="上传并预览").click()
    confirm = page.get_by_role("button", name="确认导入 3 件提案")
    confirm.wait_for()
    look(page, "cppcc-import-preview")
    page.set_viewport_size({"width": 375, "height": 812})
    look(page, "cppcc-import-preview")
    page.set_viewport_size({"width": 1280, "height": 900})
    confirm.click()
    page.wait_for_url("**/proposals/?session=*")
    page.get_by_text("已从“提案汇总表.xlsx”导入十四届二次会议的3件提案。").wait_for()
    look(page, "cppcc-import-done")
    assert Proposal.objects.count() == 3
    assert Event.objects.filter(action="register", actor=bworld.cppcc).count() == 3
