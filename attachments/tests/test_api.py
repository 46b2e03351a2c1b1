"""Attachments through the API: upload, list and download on an assignment and on a proposal; refused
types, sizes and strangers; the event in the history (issue 10, item 4)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

from attachments.models import Attachment
from conftest import act
from history.models import Event

from . import samples
from .conftest import raw_multipart, upload

DRAFT = {"text": "关于您提出的建议，答复如下：一、……", "result_class": "A", "method": "written", "is_public": False,
         "contact_person": "王老师", "contact_phone": "0512-1234567"}  # fmt: skip


def test_a_unit_uploads_minutes_and_lists_them_on_the_case_and_the_proposal(world, case, attachment_dir):
    resp = upload(world, world.jyj_handler, f"/assignments/{case['lead']}/attachments", samples.PDF, "座谈会纪要.pdf")
    assert resp.status == 201, resp.data
    body = resp.data
    assert {k: body[k] for k in ("name", "kind", "size", "content_type")} == {
        "name": "座谈会纪要.pdf", "kind": "minutes", "size": len(samples.PDF), "content_type": "application/pdf",
    }  # fmt: skip
    assert body["uploaded_by"] == {"id": world.jyj_handler.pk, "name": world.jyj_handler.display_name}
    assert body["assignment_id"] == case["lead"] and body["proposal_id"] == case["proposal"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d.*(Z|[+-]\d\d:\d\d)", body["at"])

    for path in (f"/assignments/{case['lead']}/attachments", f"/proposals/{case['proposal']}/attachments"):
        listed = world.api(world.office).get(path)
        assert listed.status == 200 and listed.data["total"] == 1, (path, listed.data)
        assert listed.data["items"][0]["id"] == body["id"]
    # the co unit sees the lead's files (the proposal is theirs too), on the lead's case and on the proposal
    assert world.api(world.wjw_handler).get(f"/assignments/{case['lead']}/attachments").data["total"] == 1
    # ... but its own case has none
    assert world.api(world.wjw_handler).get(f"/assignments/{case['co']}/attachments").data["total"] == 0

    stored = Attachment.objects.get(pk=body["id"])
    assert re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{32}\.pdf", stored.key)  # a generated name, not the user's
    assert (attachment_dir / stored.key).read_bytes() == samples.PDF


def test_the_download_is_the_file_with_its_type_and_name(world, case):
    made = upload(world, world.jyj_leader, f"/assignments/{case['lead']}/attachments", samples.png(), "现场 照片.png",
                  kind="photo").data  # fmt: skip
    resp = world.api(world.office).client.get(
        f"/api/v1/attachments/{made['id']}", headers=world.api(world.office).headers
    )
    assert resp.status_code == 200
    assert resp.getvalue() == samples.png()
    assert resp["Content-Type"] == "image/png"
    assert resp["X-Content-Type-Options"] == "nosniff"
    disposition = resp["Content-Disposition"]
    assert disposition.startswith("attachment; ")  # never shown inline under the site's origin
    assert "filename*=UTF-8''" in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "现场 照片.png"
    assert 'filename="' in disposition and disposition.isascii()


def test_the_proposal_takes_its_original_from_the_cppcc(world, case):
    resp = upload(world, world.cppcc, f"/proposals/{case['proposal']}/attachments", samples.PDF, "提案原件.pdf",
                  kind="original")  # fmt: skip
    assert resp.status == 201 and resp.data["assignment_id"] is None, resp.data
    # the proposer reads the original of their own proposal ...
    mine = world.api(world.member1).get(f"/proposals/{case['proposal']}/attachments")
    assert [a["id"] for a in mine.data["items"]] == [resp.data["id"]]
    assert (
        world.api(world.member1)
        .client.get(f"/api/v1/attachments/{resp.data['id']}", headers=world.api(world.member1).headers)
        .status_code
        == 200
    )


def test_every_accepted_type_is_recognised_by_its_content(world, case):
    for content, name, ctype in (
        (samples.JPEG, "照片.jpeg", "image/jpeg"),
        (samples.docx(), "纪要.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (samples.xlsx(), "台账.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (samples.PDF, "扫描件", "application/pdf"),  # no extension: the content's is added
    ):
        resp = upload(world, world.jyj_handler, f"/assignments/{case['lead']}/attachments", content, name, "other")
        assert resp.status == 201, (name, resp.data)
        assert resp.data["content_type"] == ctype
    assert Attachment.objects.filter(name="扫描件.pdf").exists()


def test_a_wrong_type_renamed_to_pdf_is_refused(world, case, attachment_dir):
    path = f"/assignments/{case['lead']}/attachments"
    for content in (samples.EXE, samples.HTML, samples.plain_zip()):
        resp = upload(world, world.jyj_handler, path, content, "答复函.pdf", "other")
        assert resp.status == 400 and resp.error_code == "invalid", resp.data
        assert "不支持的文件类型" in resp.data["error"]["message"]
    # an accepted type under another type's name is refused too: the name would lie to whoever opens it
    resp = upload(world, world.jyj_handler, path, samples.png(), "答复函.pdf", "other")
    assert resp.status == 400 and "与文件内容（PNG 图片）不符" in resp.data["error"]["message"]
    # a photo must be a picture
    resp = upload(world, world.jyj_handler, path, samples.PDF, "照片.pdf", "photo")
    assert resp.status == 400 and "图片" in resp.data["error"]["message"]
    assert not Attachment.objects.exists()
    assert not attachment_dir.exists() or not any(p.is_file() for p in attachment_dir.rglob("*"))


def test_an_oversized_file_is_refused(world, case, settings, attachment_dir):
    settings.ATTACHMENT_MAX_BYTES = 1024
    big = samples.PDF + b"0" * 1024
    resp = upload(world, world.jyj_handler, f"/assignments/{case['lead']}/attachments", big, "大文件.pdf")
    assert resp.status == 413 and resp.error_code == "too_large", resp.data
    assert "文件过大" in resp.data["error"]["message"] and resp.data["error"]["details"]["max_bytes"] == 1024
    assert not Attachment.objects.exists()


def test_a_request_over_the_upload_limit_is_refused_before_it_is_read(world, case, settings):
    settings.UPLOAD_MAX_BYTES = 2048
    big = samples.PDF + b"0" * 4096
    resp = upload(world, world.jyj_handler, f"/assignments/{case['lead']}/attachments", big, "大文件.pdf")
    assert resp.status == 413 and resp.error_code == "too_large", resp.data
    assert not Attachment.objects.exists()


def test_an_empty_file_or_no_file_or_a_wrong_kind_is_refused(world, case):
    path = f"/assignments/{case['lead']}/attachments"
    assert "空的" in upload(world, world.jyj_handler, path, b"", "空.pdf").data["error"]["message"]
    api = world.api(world.jyj_handler)
    missing = api.client.post("/api/v1" + path, {"kind": "minutes"}, headers=api.headers)
    assert missing.status_code == 400 and "请选择要上传的文件" in missing.json()["error"]["message"]
    wrong = upload(world, world.jyj_handler, path, samples.PDF, "原件.pdf", "original")  # the CPPCC's, not a unit's
    assert wrong.status == 400 and wrong.data["error"]["details"]["allowed"] == [
        "sealed_reply",
        "photo",
        "minutes",
        "other",
    ]


def test_a_foreign_unit_gets_404_on_list_download_and_upload(world, case):
    made = upload(world, world.jyj_handler, f"/assignments/{case['lead']}/attachments", samples.PDF).data
    for stranger in (world.zjj_handler, world.xq_handler, world.member3, world.county_office):
        api = world.api(stranger)
        assert api.get(f"/assignments/{case['lead']}/attachments").status == 404, stranger
        assert api.get(f"/proposals/{case['proposal']}/attachments").status == 404, stranger
        assert api.client.get(f"/api/v1/attachments/{made['id']}", headers=api.headers).status_code == 404, stranger
        refused = upload(world, stranger, f"/assignments/{case['lead']}/attachments", samples.PDF)
        assert refused.status == 404 and refused.error_code == "not_found"
    # an unknown id answers the same as a stranger's
    assert world.api(world.office).client.get("/api/v1/attachments/999999", headers=world.api(world.office).headers
                                              ).status_code == 404  # fmt: skip


def test_who_may_upload_where(world, case):
    lead = f"/assignments/{case['lead']}/attachments"
    # the co unit sees the lead's case but does not handle it; the office supervises, it does not upload there
    for user in (world.wjw_handler, world.office, world.mayor):
        resp = upload(world, user, lead, samples.PDF)
        assert resp.status == 403 and resp.error_code == "forbidden", (user, resp.data)
    # a unit does not upload on the proposal itself (the CPPCC and the office do)
    resp = upload(world, world.jyj_head, f"/proposals/{case['proposal']}/attachments", samples.PDF, kind="other")
    assert resp.status == 403
    # the co unit has not received its case yet
    resp = upload(world, world.wjw_handler, f"/assignments/{case['co']}/attachments", samples.PDF)
    assert resp.status == 409 and resp.error_code == "invalid_transition" and "签收" in resp.data["error"]["message"]


def test_a_sealed_reply_follows_the_signed_letter_and_reaches_the_proposer(world, case):
    path = f"/assignments/{case['lead']}/attachments"
    early = upload(world, world.jyj_handler, path, samples.PDF, "答复函（盖章）.pdf", "sealed_reply")
    assert early.status == 409 and "签发后" in early.data["error"]["message"]

    act(world, world.wjw_handler, case["co"], "receive")
    act(world, world.wjw_handler, case["co"], "co-opinion", {"text": "同意主办单位意见。"})
    act(world, world.jyj_handler, case["lead"], "submit-form", {"opinion": "拟办", "handler_id": world.jyj_handler.pk})
    act(world, world.jyj_leader, case["lead"], "approve-form", {})
    act(world, world.jyj_handler, case["lead"], "draft-reply", DRAFT)
    act(world, world.jyj_head, case["lead"], "sign-reply", {})
    photo = upload(world, world.jyj_handler, path, samples.png(), "现场.png", "photo").data
    sealed = upload(world, world.jyj_handler, path, samples.PDF, "答复函（盖章）.pdf", "sealed_reply")
    assert sealed.status == 201, sealed.data

    # the proposer reads the sealed letter of the delivered reply, not the unit's photos
    member = world.api(world.member1)
    assert [a["kind"] for a in member.get(f"/proposals/{case['proposal']}/attachments").data["items"]] == [
        "sealed_reply"
    ]
    assert member.client.get(f"/api/v1/attachments/{photo['id']}", headers=member.headers).status_code == 404
    assert member.client.get(f"/api/v1/attachments/{sealed.data['id']}", headers=member.headers).status_code == 200


def test_each_upload_is_an_event_in_the_history_with_its_row(world, case):
    before = Event.objects.filter(proposal_id=case["proposal"]).count()
    made = upload(world, world.jyj_handler, f"/assignments/{case['lead']}/attachments", samples.PDF, "纪要.pdf").data
    event = Event.objects.filter(proposal_id=case["proposal"]).latest("pk")
    assert Event.objects.filter(proposal_id=case["proposal"]).count() == before + 1
    assert event.action == "attach" and event.actor_id == world.jyj_handler.pk and event.assignment_id == case["lead"]
    assert event.from_state == event.to_state == "received"
    assert event.data["attachment_id"] == made["id"] and event.data["name"] == "纪要.pdf"
    assert event.data["sha256"] == Attachment.objects.get(pk=made["id"]).sha256
    # staff read it in the proposal's history; the proposer does not (an internal step)
    office = world.api(world.office).get(f"/proposals/{case['proposal']}").data["events"]
    assert office[-1]["action"] == "attach"
    member = world.api(world.member1).get(f"/proposals/{case['proposal']}").data["events"]
    assert "attach" not in [e["action"] for e in member]


def test_a_traversal_name_is_neutralised(world, case, attachment_dir, tmp_path):
    api = world.api(world.jyj_handler)
    names = {
        "../../etc/passwd.pdf": "passwd.pdf",
        "..\\..\\windows\\win.ini.pdf": "win.ini.pdf",
        "C:passwd.pdf": "C_passwd.pdf",
        "..pdf": "pdf.pdf",
    }
    for raw, shown in names.items():
        body, ctype = raw_multipart(raw, samples.PDF, "minutes")
        resp = api.client.post(f"/api/v1/assignments/{case['lead']}/attachments", body, content_type=ctype,
                               headers=api.headers)  # fmt: skip
        assert resp.status_code == 201, (raw, resp.content)
        made = Attachment.objects.get(pk=resp.json()["id"])
        assert made.name == shown, raw
        assert re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{32}\.pdf", made.key)
    stored = sorted(p.relative_to(attachment_dir).as_posix() for p in attachment_dir.rglob("*") if p.is_file())
    assert len(stored) == len(names) and all(re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{32}\.pdf", s) for s in stored)
    assert not (tmp_path / "etc").exists() and not Path(tmp_path.parent / "etc" / "passwd.pdf").exists()
