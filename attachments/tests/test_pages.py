"""Attachments on the pages: the case page and the proposal page list them with download links, and those
who may upload get a form that posts to the same action as the API."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from attachments.models import Attachment

from . import samples


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def attachments_card(html: str) -> str:
    match = re.search(r'<section class="card mb-3" id="attachments".*?</section>', html, re.S)
    assert match, "no attachments card"
    return match.group(0)


def test_a_unit_uploads_on_the_case_page_and_downloads_from_it(world, case):
    client = signed_in(world.jyj_handler)
    page = client.get(f"/assignments/{case['lead']}/").content.decode()
    card = attachments_card(page)
    assert "暂无附件" in card and f'action="/assignments/{case["lead"]}/attachments/"' in card
    assert 'enctype="multipart/form-data"' in card
    # no sealed reply before the letter is signed: not offered
    assert 'value="sealed_reply"' not in card and 'value="minutes"' in card

    file = SimpleUploadedFile("座谈会纪要.docx", samples.docx())
    resp = client.post(f"/assignments/{case['lead']}/attachments/", {"kind": "minutes", "file": file}, follow=True)
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "已上传附件：座谈会纪要.docx" in html
    made = Attachment.objects.get()
    card = attachments_card(html)
    assert f'href="/attachments/{made.pk}/"' in card and "座谈会纪要.docx" in card and "会议纪要" in card
    # the timeline says it in Chinese
    assert "上传附件（会议纪要）：座谈会纪要.docx" in html

    download = client.get(f"/attachments/{made.pk}/")
    assert download.status_code == 200 and download.getvalue() == samples.docx()
    assert download["Content-Type"] == made.content_type and download["X-Content-Type-Options"] == "nosniff"

    # the proposal page lists it with its unit, for the office, without a form for the unit's case
    office_page = attachments_card(signed_in(world.office).get(f"/proposals/{case['proposal']}/").content.decode())
    assert "座谈会纪要.docx" in office_page and "市教育局" in office_page


def test_a_refused_upload_comes_back_with_its_reason(world, case):
    client = signed_in(world.jyj_handler)
    file = SimpleUploadedFile("答复函.pdf", samples.EXE)
    resp = client.post(f"/assignments/{case['lead']}/attachments/", {"kind": "other", "file": file}, follow=True)
    assert resp.status_code == 200
    assert "不支持的文件类型" in resp.content.decode()
    assert not Attachment.objects.exists()


def test_the_cppcc_uploads_the_original_on_the_proposal_page(world, case):
    client = signed_in(world.cppcc)
    card = attachments_card(client.get(f"/proposals/{case['proposal']}/").content.decode())
    assert 'value="original"' in card
    file = SimpleUploadedFile("原件.pdf", samples.PDF)
    resp = client.post(f"/proposals/{case['proposal']}/attachments/", {"kind": "original", "file": file})
    assert resp.status_code == 302 and resp["Location"] == f"/proposals/{case['proposal']}/#attachments"
    assert Attachment.objects.get().kind == "original"


def test_strangers_get_no_form_and_no_file(world, case):
    client = signed_in(world.jyj_handler)
    client.post(
        f"/assignments/{case['lead']}/attachments/",
        {"kind": "minutes", "file": SimpleUploadedFile("a.pdf", samples.PDF)},
    )
    made = Attachment.objects.get()
    # the office reads the case, with no upload form on it
    assert "<form" not in attachments_card(
        signed_in(world.office).get(f"/assignments/{case['lead']}/").content.decode()
    )
    stranger = signed_in(world.zjj_handler)
    assert stranger.get(f"/attachments/{made.pk}/").status_code == 404
    other = {"kind": "minutes", "file": SimpleUploadedFile("b.pdf", samples.PDF)}
    refused = stranger.post(f"/assignments/{case['lead']}/attachments/", other)
    assert refused.status_code == 404 and Attachment.objects.count() == 1
