"""Excel import and export (issue 10, items 2 and 3), through the HTTP API and the pages' export links.

Every workbook the product writes is opened with openpyxl and its layout read back: a bold header row
frozen at the top, dates as date cells, rates as percentages, hostile text as typed text (never a formula).
An import is all rows or none: each refusal is checked for its message and for a database left as it was.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from datetime import date, datetime
from typing import Any
from urllib.parse import unquote

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook, load_workbook

from conftest import World, act, assign, file_proposal, make_session
from history.models import Event
from organisation.models import Role, User
from proposals.models import Proposal

TODAY = "2026-03-02"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HOSTILE = [
    '=HYPERLINK("http://evil.example/","点我")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+1 关于制表符开头的提案",
    "\r=1+1 关于回车开头的提案",
]


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(TODAY + " 09:00 +0800", tick=False):
        yield


def workbook(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header or ["提案号", "案由", "提案人", "联名人", "类别", "内容"])
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(world: World, data: bytes, session_id: int, *, user: Any = None, name: str = "提案.xlsx", **extra: Any):
    api = world.api(user or world.cppcc)
    body = {"file": SimpleUploadedFile(name, data, content_type=XLSX), "session_id": str(session_id), **extra}
    resp = api.client.post("/api/v1/proposals/import", body, headers=api.headers)
    return resp.status_code, resp.json()


def counts() -> tuple[int, int]:
    return Proposal.objects.count(), Event.objects.count()


def opened(content: bytes) -> Any:
    return load_workbook(io.BytesIO(content)).worksheets[0]


def content_of(resp: Any) -> bytes:
    return b"".join(resp.streaming_content) if resp.streaming else resp.content


def check_layout(ws: Any) -> None:
    """Bold header, frozen below it, every column given a width."""
    assert ws.freeze_panes == "A2"
    assert all(c.font.b for c in ws[1] if c.value is not None)
    for col in range(1, ws.max_column + 1):
        letter = ws.cell(1, col).column_letter
        assert ws.column_dimensions[letter].width >= 6


# ---------------------------------------------------------------------------------------------------------------
# Import: a clean file


def test_clean_file_registers_every_row_with_its_history(world: World) -> None:
    session = make_session(world)
    header = ["提案编号", "提案标题", "第一提案人", "附议人", "提案类别", "正文", "提交日期", "重点提案", "提案类型"]
    data = workbook(
        [
            [
                "001",
                "关于加强中小学课后服务的建议",
                "张委员",
                None,
                "教育事业",
                "情况分析……",
                date(2026, 1, 12),
                "是",
                None,
            ],
            [
                2,
                "关于老旧小区加装电梯的建议",
                "李委员",
                "张委员、赵委员",
                "城乡建设",
                "建议……",
                "2026年1月13日",
                None,
                None,
            ],
            ["003", "关于发展社区养老的建议", "民进示例市委", None, "社会事业", "", None, "否", "集体提案"],
        ],
        header=header,
    )
    before = Event.objects.count()
    status, body = upload(world, data, session)
    assert (status, body["created"], body["errors"], body["search_ready"]) == (201, 3, [], True)
    got = {p.number: p for p in Proposal.objects.filter(session_id=session).prefetch_related("proposers")}
    assert set(got) == {"001", "2", "003"}
    first = got["001"]
    assert (first.title, first.category, first.submitted_on, first.is_key, first.kind) == (
        "关于加强中小学课后服务的建议", "教育事业", date(2026, 1, 12), True, "individual")  # fmt: skip
    assert [(x.name, x.user_id) for x in first.proposers.all()] == [("张委员", world.member1.pk)]
    joint = got["2"]
    assert joint.kind == "joint" and joint.submitted_on == date(2026, 1, 13)
    assert [(x.name, x.user_id) for x in joint.proposers.all()] == [
        ("李委员", world.member2.pk), ("张委员", world.member1.pk), ("赵委员", world.member3.pk)]  # fmt: skip
    group = got["003"]
    assert group.kind == "collective" and [(x.name, x.user_id) for x in group.proposers.all()] == [
        ("民进示例市委", None)
    ]
    # each registered through the registration action: one "register" event each, by the committee's clerk
    events = Event.objects.filter(proposal__session_id=session)
    assert Event.objects.count() == before + 3
    assert {(e.action, e.actor_id) for e in events} == {("register", world.cppcc.pk)}


def test_dry_run_checks_without_registering(world: World) -> None:
    session = make_session(world)
    status, body = upload(
        world, workbook([["1", "关于某事的建议", "张委员", None, None, "…"]]), session, dry_run="true"
    )
    assert (status, body["created"], body["would_create"]) == (200, 0, 1)
    assert not Proposal.objects.filter(session_id=session).exists()


def test_office_may_import_and_others_may_not(world: World) -> None:
    session = make_session(world)
    data = workbook([["1", "关于某事的建议", "张委员", None, None, "…"]])
    assert upload(world, data, session, user=world.member1)[0] == 403
    assert upload(world, data, session, user=world.jyj_head)[0] == 403
    assert upload(world, data, session, user=world.county_office)[0] == 403  # another jurisdiction's session
    assert upload(world, data, session, user=world.office)[0] == 201


# ---------------------------------------------------------------------------------------------------------------
# Import: bad rows, every one reported, nothing registered


def test_every_bad_row_is_reported_and_nothing_is_registered(world: World) -> None:
    session = make_session(world)
    file_proposal(world, session_id=session, number="900")
    world.user("member2b", Role.MEMBER, "李委员")  # a second 李委员: the name is ambiguous
    header = ["提案号", "案由", "提案人", "联名人", "类别", "内容", "提交日期", "提案类型", "重点提案"]
    rows: list[list[Any]] = [
        ["1", "关于一的建议", "张委员", None, "教育事业", "…", None, None, None],  # row 2: good
        ["2", None, "张委员", None, None, "…", None, None, None],  # 3: no title
        ["3", "关于三的建议", None, None, None, "…", None, None, None],  # 4: no proposer
        [None, "关于四的建议", "张委员", None, None, "…", None, None, None],  # 5: no number
        ["1", "关于五的建议", "张委员", None, None, "…", None, None, None],  # 6: number of row 2
        ["900", "关于六的建议", "张委员", None, None, "…", None, None, None],  # 7: number in the session
        ["7", "长" * 501, "张委员", None, None, "…", None, None, None],  # 8: title too long
        ["8" * 31, "关于八的建议", "张委员", None, None, "…", None, None, None],  # 9: number too long
        ["9", "关于九的建议", "张委员", None, "星际航行", "…", None, None, None],  # 10: unknown category
        ["10", "关于十的建议", "李委员", None, None, "…", None, None, None],  # 11: ambiguous proposer
        ["11", "关于十一的建议", "张委员（nobody）", None, None, "…", None, None, None],  # 12: no such account
        ["12", "关于十二的建议", "张委员", None, None, "…", None, "团体提案", None],  # 13: unknown kind
        ["13", "关于十三的建议", "张委员", "赵委员", None, "…", None, "个人提案", None],  # 14: individual, two
        ["14", "关于十四的建议", "张委员", None, None, "…", "去年春天", None, None],  # 15: a date unread
        ["15", "关于十五的建议", "张委员", None, None, "…", date(2026, 3, 3), None, None],  # 16: future date
        ["16", "关于十六的建议", "张委员", None, None, "…", None, None, "也许"],  # 17: neither 是 nor 否
        ["17", "关于十七\x7f的建议", "张委员", None, None, "…", None, None, None],  # 18: control character (DEL)
        ["18", "关于十八的建议", "张委员", None, "类" * 51, "…", None, None, None],  # 19: category too long
    ]
    data = workbook(rows, header=header)
    before = counts()
    status, body = upload(world, data, session)
    assert status == 200  # api.md's answer, {created, errors}: every row refused, nothing registered
    assert body["created"] == 0 and body["message"] == "有 17 行不符合要求，未导入任何提案。请修改后重新上传。"
    assert body["errors"] == [
        {"row": 3, "message": "第3行：缺少案由。"},
        {"row": 4, "message": "第4行：缺少提案人。"},
        {"row": 5, "message": "第5行：缺少提案号。"},
        {"row": 6, "message": "第6行：提案号“1”与第2行重复。"},
        {"row": 7, "message": "第7行：本届次已有第900号提案。"},
        {"row": 8, "message": "第8行：案由过长（501字，最多500字）。"},
        {"row": 9, "message": "第9行：提案号过长（31字，最多30字）。"},
        {"row": 10, "message": "第10行：类别“星际航行”不在类别表中"
                               "（如：经济发展、经济建设、工业商贸、财税金融、农林水利、城乡建设等）。"},
        {"row": 11, "message": "第11行：提案人“李委员”有2个同名委员账号（member2、member2b），"
                               "请写成“李委员（账号）”。"},
        {"row": 12, "message": "第12行：提案人“张委员”没有账号为“nobody”的委员。"},
        {"row": 13, "message": "第13行：提案类型“团体提案”应为个人提案、联名提案或集体提案。"},
        {"row": 14, "message": "第14行：个人提案只能有一位提案人；多人提出的请填“联名提案”。"},
        {"row": 15, "message": "第15行：提交日期“去年春天”无法识别，请写成 2026-01-12。"},
        {"row": 16, "message": "第16行：提交日期不能晚于今天（2026年3月2日）。"},
        {"row": 17, "message": "第17行：“重点提案”应填“是”或“否”，不是“也许”。"},
        {"row": 18, "message": "第18行：“案由”含有不允许的控制字符。"},
        {"row": 19, "message": "第19行：类别过长（51字，最多50字）。"},
    ]  # fmt: skip
    assert counts() == before  # all rows or none

    # the ambiguous name resolved with the account, the rest fixed: the same file imports whole
    fixed = [
        ["1", "关于一的建议", "张委员", None, "教育事业", "…", None, None, None],
        ["10", "关于十的建议", "李委员（member2b）", None, None, "…", None, None, "否"],
    ]
    status, body = upload(world, workbook(fixed, header=header), session)
    assert (status, body["created"]) == (201, 2), body
    p = Proposal.objects.get(session_id=session, number="10")
    assert [(x.name, x.user_id) for x in p.proposers.all()] == [("李委员", User.objects.get(username="member2b").pk)]


# ---------------------------------------------------------------------------------------------------------------
# Import: files refused before a row is read


def zip_of(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


def refused(world: World, data: bytes, name: str = "提案.xlsx") -> tuple[int, str, str]:
    session = make_session(world)
    before = counts()
    status, body = upload(world, data, session, name=name)
    assert counts() == before
    return status, body["error"]["message"], body["error"]["details"].get("reason", "")


def test_a_file_that_is_not_excel_is_refused(world: World) -> None:
    text = "提案号,案由,提案人\n1,关于某事的建议,张委员\n".encode()
    assert refused(world, text) == (400, "文件不是 Excel 工作簿（.xlsx），请使用下载的模板填写。", "not_xlsx")
    docx = zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    assert refused(world, docx)[2] == "not_xlsx"  # a zip, even an Office one, but not a workbook
    assert refused(world, b"PK\x03\x04 not really a zip")[2] == "not_xlsx"
    status, message, reason = refused(world, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, name="旧表.xls")
    assert (status, reason) == (400, "not_xlsx") and ".xls" in message and "另存为" in message
    # named .xlsx is not enough; named .csv does not matter either: the content decides
    assert upload(world, workbook([["1", "关于某事的建议", "张委员", None, None, "…"]]), make_session(world),
                  name="提案.csv")[0] == 201  # fmt: skip


def test_an_empty_file_and_a_file_without_rows_are_refused(world: World) -> None:
    assert refused(world, b"") == (400, "上传的文件是空的，请选择填好的提案表（.xlsx）。", "empty")
    assert refused(world, workbook([])) == (400, "表中没有提案：表头下面还没有填写任何一行。", "no_rows")
    no_header = workbook([["1", "关于某事的建议"]], header=["甲", "乙"])
    assert refused(world, no_header) == (
        400, "找不到表头：表的第一行应有“提案号”、“案由”、“提案人”等列（可用下载的模板）。", "no_header")  # fmt: skip


def test_an_oversized_file_is_refused(world: World, settings: Any) -> None:
    settings.IMPORT_MAX_BYTES = 20_000
    text = ["".join(chr(0x4E00 + (i * 7919 + j * 104729) % 20000) for j in range(400)) for i in range(60)]
    data = workbook([[str(i), f"关于第{i}件事的建议", "张委员", None, None, text[i]] for i in range(60)])
    assert len(data) > 20_000
    status, message, reason = refused(world, data)
    assert (status, reason) == (413, "too_large")
    assert message.startswith("文件过大") and "最多 0.0190735 MB" in message


def test_a_zip_bomb_is_refused_before_it_is_inflated(world: World) -> None:
    # 101 MB of zeros deflate to about 100 kB: under the upload limit, over the inflated-size cap
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        z.writestr("xl/workbook.xml", b"<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as part:
            block = b"\0" * (1024 * 1024)
            for _ in range(101):
                part.write(block)
    data = out.getvalue()
    assert len(data) < 1024 * 1024
    status, message, reason = refused(world, data)
    assert (status, reason) == (413, "zip_bomb")
    assert message == "文件解压后过大（101 MB，最多 100 MB），可能是压缩炸弹，已拒绝。"


def _lying_about(data: bytes, member: str, declared: int) -> bytes:
    """The workbook with ``member`` declaring ``declared`` bytes (and the CRC of its first ``declared``
    bytes, so a reader bound by the declared size sees nothing wrong) while its deflate stream is longer."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            z.writestr(info, source.read(info))
    raw = bytearray(out.getvalue())
    info = zipfile.ZipFile(io.BytesIO(bytes(raw))).getinfo(member)
    crc = zlib.crc32(source.read(member)[:declared]).to_bytes(4, "little")
    size = declared.to_bytes(4, "little")
    raw[info.header_offset + 14 : info.header_offset + 18] = crc  # local header: CRC, sizes at 14, 22
    raw[info.header_offset + 22 : info.header_offset + 26] = size
    for at in [m.start() for m in re.finditer(b"PK\x01\x02", bytes(raw))]:
        name_length = int.from_bytes(raw[at + 28 : at + 30], "little")
        if raw[at + 46 : at + 46 + name_length].decode() == member:
            raw[at + 16 : at + 20] = crc  # central directory: CRC at 16, uncompressed size at 24
            raw[at + 24 : at + 28] = size
    return bytes(raw)


def test_a_part_inflating_past_its_declared_size_is_refused(world: World) -> None:
    """The sheet reader is not bound by a member's declared size: the check inflates each part itself."""
    rows = [[f"{i:03d}", "关于加强社区养老服务的建议", "王委员", "社会建设", "内容" * 200] for i in range(1, 200)]
    data = _lying_about(workbook(rows), "xl/worksheets/sheet1.xml", declared=1000)
    assert zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")  # Python's zipfile is fooled
    status, message, reason = refused(world, data)  # and nothing registered
    assert (status, reason) == (413, "zip_bomb")
    assert "与其声明不符" in message


def test_more_than_20000_rows_are_refused(world: World) -> None:
    from openpyxl import Workbook as W

    wb = W(write_only=True)
    ws = wb.create_sheet()
    ws.append(["提案号", "案由", "提案人"])
    for i in range(20_001):
        ws.append([str(i), "案", "张委员"])
    out = io.BytesIO()
    wb.save(out)
    status, message, reason = refused(world, out.getvalue())
    assert (status, reason) == (413, "too_many_rows")
    assert message == "表中提案超过 20000 行，请分成几个文件导入。"


def test_entity_declarations_are_refused(world: World) -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><sst>&lol;</sst>'
    data = zip_of({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>", "xl/sharedStrings.xml": bomb})
    assert refused(world, data)[2] == "xml_entities"


# ---------------------------------------------------------------------------------------------------------------
# Export, and back


def proposals_of(session_id: int) -> list[tuple[Any, ...]]:
    rows = []
    for p in Proposal.objects.filter(session_id=session_id).prefetch_related("proposers").order_by("number"):
        proposers = tuple((x.name, x.user_id) for x in p.proposers.all())
        rows.append((p.number, p.title, p.body, p.kind, p.category, p.submitted_on, p.is_key, p.is_suggestion,
                     p.is_public, proposers))  # fmt: skip
    return rows


def test_a_session_exported_imports_into_another_as_it_was(world: World) -> None:
    a = make_session(world, "十四届二次会议", 2026)
    b = make_session(world, "十四届三次会议", 2026)
    file_proposal(world, session_id=a, number="001", submitted_on="2026-01-10", is_key=True)
    file_proposal(world, session_id=a, number="002", kind="joint", title=HOSTILE[0], category="城乡建设",
                  body="第一段\n第二段：  缩进与换行保留\n", is_public=False,
                  proposers=[{"name": "李委员", "user_id": world.member2.pk}, {"name": "张委员"},
                             {"name": "王五"}])  # fmt: skip
    file_proposal(world, session_id=a, number="003", kind="collective", title="-1 关于负号开头的建议",
                  proposers=[{"name": "民进示例市委"}], category="", is_suggestion=True)  # fmt: skip
    file_proposal(world, session_id=b, number="999")  # another session's: not exported
    api = world.api(world.cppcc)
    resp = api.client.get("/api/v1/exports/proposals.xlsx", {"session": a}, headers=api.headers)
    assert resp.status_code == 200 and resp["Content-Type"] == XLSX
    data = content_of(resp)
    target = make_session(world, "十五届一次会议", 2027)
    status, body = upload(world, data, target)
    assert (status, body["created"]) == (201, 3), body
    # the proposer typed without an account is linked on import when the name is a member's (张委员)
    expected = [r[:-1] + (tuple((n, u if u or n != "张委员" else world.member1.pk) for n, u in r[-1]),)
                for r in proposals_of(a)]  # fmt: skip
    assert proposals_of(target) == expected


def test_proposals_export_has_the_list_filters_and_layout(world: World) -> None:
    a = make_session(world)
    file_proposal(world, session_id=a, number="1", submitted_on="2026-01-10", is_key=True)
    file_proposal(world, session_id=a, number="2")
    api = world.api(world.office)
    resp = api.client.get("/api/v1/exports/proposals.xlsx", {"is_key": "true"}, headers=api.headers)
    assert resp.status_code == 200
    name = unquote(resp["Content-Disposition"].split("filename*=UTF-8''")[1])
    assert name == f"提案-{TODAY}.xlsx"
    ws = opened(content_of(resp))
    check_layout(ws)
    header = [c.value for c in ws[1]]
    assert header[:4] == ["届次", "提案号", "案由", "提案人"] and header[-2:] == ["状态", "登记时间"]
    rows = list(ws.iter_rows(min_row=2))
    assert len(rows) == 1
    cells = dict(zip(header, rows[0], strict=True))
    assert cells["提案号"].value == "1"
    assert cells["提交日期"].is_date and cells["提交日期"].value == datetime(2026, 1, 10)
    assert cells["提交日期"].number_format == "yyyy-mm-dd"
    assert cells["登记时间"].is_date and cells["登记时间"].value.date() == date(2026, 3, 2)
    assert cells["重点提案"].value == "是"
    # a member exports only their own proposals
    api = world.api(world.member3)
    ws = opened(content_of(api.client.get("/api/v1/exports/proposals.xlsx", headers=api.headers)))
    assert ws.max_row == 1
    assert world.api().client.get("/api/v1/exports/proposals.xlsx").status_code == 401


def test_stats_export_has_rates_as_percentages(world: World) -> None:
    p = file_proposal(world)
    a = assign(world, p["id"], [(world.jyj, "lead")])["assignments"][0]["id"]
    act(world, world.jyj_handler, a, "receive")
    act(world, world.jyj_handler, a, "contact", {"stage": "before", "date": "2026-03-02", "method": "phone",
                                                 "participants": "张委员", "notes": "电话沟通"})  # fmt: skip
    q = file_proposal(world)
    assign(world, q["id"], [(world.jyj, "lead"), (world.wjw, "lead")])
    api = world.api(world.office)
    stats = api.get("/stats", year=2026).data
    resp = api.client.get("/api/v1/exports/stats.xlsx", {"year": 2026}, headers=api.headers)
    assert resp.status_code == 200 and resp["Content-Type"] == XLSX
    assert unquote(resp["Content-Disposition"].split("filename*=UTF-8''")[1]) == f"办理情况统计-2026年-{TODAY}.xlsx"
    ws = opened(content_of(resp))
    check_layout(ws)
    header = [c.value for c in ws[1]]
    assert header[:4] == ["承办单位", "主办件数", "已答复", "办复率"]
    rows = {r[0].value: dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2)}
    jyj = next(d for d in stats["departments"] if d["name"] == "市教育局")
    assert rows["市教育局"]["主办件数"].value == jyj["assigned"] == 2
    assert rows["市教育局"]["见面率"].value == jyj["meeting_rate"]
    for label in ("办复率", "按时办复率", "见面率", "三见面率", "满意率"):
        cell = rows["市教育局"][label]
        assert cell.value is None or cell.number_format == "0.0%", label  # an undefined rate is left empty
    assert rows["市教育局"]["办复率"].value == 0 and rows["市教育局"]["办复率"].number_format == "0.0%"
    assert rows["市教育局"]["按时办复率"].value is None  # nothing replied yet: undefined
    assert rows["市教育局"]["见面率"].value == 0.5 and rows["市教育局"]["见面率"].number_format == "0.0%"
    assert rows["合计"]["主办件数"].value == stats["totals"]["assigned"] == 3
    assert world.api(world.jyj_head).client.get(
        "/api/v1/exports/stats.xlsx", headers=world.api(world.jyj_head).headers).status_code == 403  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# Formula injection: the CSV quotes, the workbook types the cell as text


def test_hostile_text_is_never_a_formula_in_csv_or_xlsx(world: World) -> None:
    for t in HOSTILE:
        file_proposal(world, title=t)
    client = Client()
    client.force_login(world.office)
    text = content_of(client.get("/proposals/", {"export": "csv"})).decode("utf-8-sig")
    titles = {r["案由"] for r in csv.DictReader(io.StringIO(text, newline=""))}
    assert titles == {"'" + t for t in HOSTILE}

    api = world.api(world.office)
    for resp in (client.get("/proposals/", {"export": "xlsx"}),
                 api.client.get("/api/v1/exports/proposals.xlsx", headers=api.headers)):  # fmt: skip
        data = content_of(resp)
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            sheet = z.read("xl/worksheets/sheet1.xml").decode()
        assert "<f>" not in sheet and "<f " not in sheet  # no formula anywhere
        ws = opened(data)
        header = [c.value for c in ws[1]]
        cells = [r[header.index("案由")] for r in ws.iter_rows(min_row=2)]
        assert {c.value for c in cells} == set(HOSTILE)  # exactly the text, no quote added
        assert all(c.data_type == "s" and c.quotePrefix for c in cells)


# ---------------------------------------------------------------------------------------------------------------
# Every list with a CSV export has the Excel one, with the same filters and name


def test_every_csv_list_exports_xlsx_too(world: World) -> None:
    p = file_proposal(world)
    file_proposal(world, title="关于另一件事的建议", is_key=True)
    assign(world, p["id"], [(world.jyj, "lead")])
    exports = [
        (world.office, "/proposals/?export=xlsx", "提案列表"),
        (world.office, "/assignments/?export=xlsx", "办理进度"),
        (world.office, "/office/pending/?export=xlsx", "待交办提案"),
        (world.office, "/office/board/export/?export=xlsx", "督办看板"),
        (world.mayor, "/leader/progress/export/?export=xlsx", "分管单位办理进度"),
        (world.member1, "/my/?export=xlsx", "我的提案"),
        (world.cppcc, "/cppcc/sessions/?export=xlsx", "届次"),
        (world.jyj_handler, "/notifications/?export=xlsx", "消息"),
        (None, "/public/?export=xlsx", "公开答复"),
    ]
    for user, url, name in exports:
        client = Client()
        if user:
            client.force_login(user)
        resp = client.get(url)
        assert resp.status_code == 200 and resp["Content-Type"] == XLSX, url
        header = resp["Content-Disposition"]
        assert header.isascii()
        assert re.fullmatch(r'attachment; filename="export-2026-03-02\.xlsx"; filename\*=UTF-8\'\'\S+', header), url
        assert unquote(header.split("''")[1]) == f"{name}-{TODAY}.xlsx", url
        check_layout(opened(content_of(resp)))
    # the filters apply: only the key proposal
    client = Client()
    client.force_login(world.office)
    ws = opened(content_of(client.get("/proposals/", {"export": "xlsx", "key": "1"})))
    assert [r[1].value for r in ws.iter_rows(min_row=2)] == ["关于另一件事的建议"]
    # the pages offer it next to the CSV
    html = client.get("/proposals/", {"key": "1"}).content.decode()
    assert "?key=1&amp;export=xlsx" in html and "?key=1&amp;export=csv" in html


def test_leader_progress_rate_is_a_percentage(world: World) -> None:
    p = file_proposal(world)
    assign(world, p["id"], [(world.jyj, "lead")])
    client = Client()
    client.force_login(world.vicemayor)
    ws = opened(content_of(client.get("/leader/progress/export/", {"export": "xlsx"})))
    header = [c.value for c in ws[1]]
    row = list(ws.iter_rows(min_row=2))[0]
    rate = row[header.index("按时办复率")]
    assert rate.value is None and rate.number_format in ("General", "0.0%")
    assert row[header.index("主办件数")].value == 1 and row[header.index("主办件数")].data_type == "n"


def test_the_import_template_opens_and_imports(world: World) -> None:
    client = Client()
    client.force_login(world.cppcc)
    resp = client.get("/cppcc/proposals/import/template.xlsx")
    assert resp.status_code == 200 and resp["Content-Type"] == XLSX
    ws = opened(resp.content)
    check_layout(ws)
    assert [c.value for c in ws[1]][:3] == ["提案号", "案由", "提案人"]
    status, body = upload(world, resp.content, make_session(world))
    assert (status, body["created"]) == (201, 1)
