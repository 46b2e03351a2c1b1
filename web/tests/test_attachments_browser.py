"""Attachments in the browser: a unit uploads a file on its case page (a boosted multipart form) and
downloads it from the list; the timeline says so in Chinese."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from attachments.models import Attachment
from attachments.tests import samples
from conftest import act, assign, file_proposal

from .conftest import PHONE, check_a11y, go, shot


@pytest.fixture(autouse=True)
def attachment_dir(settings: Any, tmp_path: Path) -> Path:
    folder = tmp_path / "attachments"
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": folder}},
    }
    return folder


def test_a_unit_uploads_and_downloads_on_the_case_page(bworld, open_page, tmp_path):
    p = file_proposal(bworld)
    lead = assign(bworld, p["id"], [(bworld.jyj, "lead")])["assignments"][0]["id"]
    act(bworld, bworld.jyj_handler, lead, "receive")
    page = open_page(bworld.jyj_handler, path=f"/assignments/{lead}/")
    card = page.locator("#attachments")
    assert "暂无附件" in card.inner_text()

    scan = tmp_path / "座谈会纪要.pdf"
    scan.write_bytes(samples.PDF)
    card.get_by_label("附件类别").select_option("minutes")
    card.get_by_label("文件").set_input_files(str(scan))
    card.get_by_role("button", name="上传").click()
    link = page.locator("#attachments a", has_text="座谈会纪要.pdf")
    link.wait_for()
    assert "已上传附件：座谈会纪要.pdf" in page.locator(".messages").inner_text()
    assert "上传附件（会议纪要）：座谈会纪要.pdf" in page.locator(".timeline").inner_text()
    assert Attachment.objects.get().name == "座谈会纪要.pdf"
    check_a11y(page)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        card.scroll_into_view_if_needed()
        shot(page, "case-attachments")
    page.set_viewport_size({"width": 1280, "height": 900})

    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "座谈会纪要.pdf"
    assert Path(download.path()).read_bytes() == samples.PDF

    # a wrong type comes back with the reason, nothing stored
    fake = tmp_path / "答复函.pdf"
    fake.write_bytes(samples.EXE)
    go(page, f"/assignments/{lead}/")
    page.locator("#attachments").get_by_label("文件").set_input_files(str(fake))
    page.locator("#attachments").get_by_role("button", name="上传").click()
    page.locator(".messages", has_text="不支持的文件类型").wait_for()
    assert Attachment.objects.count() == 1


def test_the_member_downloads_the_sealed_reply_on_a_phone(bworld, open_page):
    """The member's page at 375 px: the sealed reply scan beside the letter, the proposal's original in its
    own card, the unit's minutes nowhere; the download is the file."""
    from io import BytesIO

    from attachments import actions
    from handling.models import Assignment
    from proposals.models import Proposal

    p = file_proposal(bworld, title="关于加强中小学课后服务的建议")
    lead = assign(bworld, p["id"], [(bworld.jyj, "lead")])["assignments"][0]["id"]
    act(bworld, bworld.jyj_handler, lead, "receive")
    act(bworld, bworld.jyj_handler, lead, "submit-form", {"opinion": "拟办", "handler_id": bworld.jyj_handler.pk})
    act(bworld, bworld.jyj_leader, lead, "approve-form", {})
    act(bworld, bworld.jyj_handler, lead, "draft-reply", {
        "text": "关于您提出的建议，答复如下：一、扩大课后服务覆盖面。", "result_class": "A", "method": "written",
        "is_public": False, "contact_person": "王老师", "contact_phone": "0512-1234567"})  # fmt: skip
    act(bworld, bworld.jyj_head, lead, "sign-reply", {})

    def attach(target: Any, user: Any, kind: str, name: str, content: bytes) -> Attachment:
        run = actions.attach_to_assignment if isinstance(target, Assignment) else actions.attach_to_proposal
        return run(target, actor=user, kind=kind, upload=actions.Upload(name, BytesIO(content)))

    a = Assignment.objects.get(pk=lead)
    attach(a, bworld.jyj_handler, "sealed_reply", "答复函（盖章）.pdf", samples.PDF)
    attach(a, bworld.jyj_handler, "minutes", "内部座谈纪要.pdf", samples.PDF)
    attach(Proposal.objects.get(pk=p["id"]), bworld.cppcc, "original", "提案原件.pdf", samples.PDF)

    page = open_page(bworld.member1, viewport=PHONE, path=f"/my/{p['id']}/")
    main = page.locator("main")
    assert "内部座谈纪要" not in main.inner_text()
    assert "提案原件.pdf" in page.locator("#proposal-files").inner_text()
    link = page.locator(".member-files a", has_text="答复函（盖章）.pdf")
    link.scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    check_a11y(page)
    shot(page, "member-attachments")
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename == "答复函（盖章）.pdf"
    assert Path(info.value.path()).read_bytes() == samples.PDF
