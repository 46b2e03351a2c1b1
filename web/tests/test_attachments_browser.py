"""Attachments in the browser: a unit uploads a file on its case page (a boosted multipart form) and
downloads it from the list; the timeline says so in Chinese."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from attachments.models import Attachment
from attachments.tests import samples
from conftest import act, assign, file_proposal

from .conftest import check_a11y, go, shot


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
