"""The member's page (/my/<id>/) shows the files a proposer may read (attachments/access.py): the
proposal's original, and the sealed scan of a delivered reply beside that unit's letter; a unit's minutes
and photos stay inside. The member downloads them; another member gets 404 for the page and the files."""

from __future__ import annotations

import re

from django.test import Client

from conftest import act

from . import samples
from .conftest import upload
from .test_api import DRAFT


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _deliver(world, case) -> None:
    act(world, world.wjw_handler, case["co"], "receive")
    act(world, world.wjw_handler, case["co"], "co-opinion", {"text": "同意主办单位意见。"})
    act(world, world.jyj_handler, case["lead"], "submit-form", {"opinion": "拟办", "handler_id": world.jyj_handler.pk})
    act(world, world.jyj_leader, case["lead"], "approve-form", {})
    act(world, world.jyj_handler, case["lead"], "draft-reply", DRAFT)
    act(world, world.jyj_head, case["lead"], "sign-reply", {})  # not a key proposal: delivered at once


def _files(world, case) -> dict[str, int]:
    lead = f"/assignments/{case['lead']}/attachments"
    ids = {
        "original": upload(
            world, world.cppcc, f"/proposals/{case['proposal']}/attachments", samples.PDF, "提案原件.pdf", "original"
        ).data["id"],  # fmt: skip
        "minutes": upload(world, world.jyj_handler, lead, samples.docx(), "内部座谈纪要.docx", "minutes").data["id"],
        "cppcc_other": upload(
            world, world.cppcc, f"/proposals/{case['proposal']}/attachments", samples.PDF, "提案委工作底稿.pdf", "other"
        ).data["id"],  # fmt: skip
    }
    _deliver(world, case)
    ids["photo"] = upload(world, world.jyj_handler, lead, samples.png(), "现场照片.png", "photo").data["id"]
    ids["sealed"] = upload(world, world.jyj_handler, lead, samples.PDF, "答复函（盖章）.pdf", "sealed_reply").data["id"]
    return ids


def _section(html: str, pattern: str) -> str:
    match = re.search(pattern, html, re.S)
    assert match, pattern
    return match.group(0)


def test_the_member_sees_and_downloads_the_original_and_the_sealed_reply(world, case):
    ids = _files(world, case)
    member = signed_in(world.member1)
    html = member.get(f"/my/{case['proposal']}/").content.decode()

    # the sealed scan beside the unit's letter, the original in the proposal's own card
    unit = _section(html, rf'<section class="mt-3" aria-labelledby="files-{case["lead"]}">.*?</section>')
    assert f'href="/attachments/{ids["sealed"]}/"' in unit and "答复函（盖章）.pdf" in unit
    own = _section(html, r'<section class="card mb-3" id="proposal-files".*?</section>')
    assert f'href="/attachments/{ids["original"]}/"' in own and "提案原件.pdf" in own
    # the unit's working files and the CPPCC's other files are not on the page
    for internal in ("minutes", "photo", "cppcc_other"):
        assert f"/attachments/{ids[internal]}/" not in html, internal
    assert "内部座谈纪要" not in html and "现场照片" not in html and "提案委工作底稿" not in html

    for name in ("sealed", "original"):
        resp = member.get(f"/attachments/{ids[name]}/")
        assert resp.status_code == 200 and resp["Content-Disposition"].startswith("attachment; ")
        assert resp.getvalue() == samples.PDF
    for internal in ("minutes", "photo", "cppcc_other"):
        assert member.get(f"/attachments/{ids[internal]}/").status_code == 404, internal


def test_before_the_reply_is_delivered_only_the_original_is_shown(world, case):
    made = upload(world, world.cppcc, f"/proposals/{case['proposal']}/attachments", samples.PDF, "提案原件.pdf",
                  "original").data  # fmt: skip
    minutes = upload(world, world.jyj_handler, f"/assignments/{case['lead']}/attachments", samples.PDF).data
    html = signed_in(world.member1).get(f"/my/{case['proposal']}/").content.decode()
    assert f'href="/attachments/{made["id"]}/"' in html
    assert f"/attachments/{minutes['id']}/" not in html
    assert 'aria-labelledby="files-' not in html  # no unit has a file for the member yet


def test_another_member_gets_404_for_the_page_and_every_file(world, case):
    ids = _files(world, case)
    stranger = signed_in(world.member3)
    assert stranger.get(f"/my/{case['proposal']}/").status_code == 404
    for name, pk in ids.items():
        assert stranger.get(f"/attachments/{pk}/").status_code == 404, name
        api = world.api(world.member3)
        assert api.client.get(f"/api/v1/attachments/{pk}", headers=api.headers).status_code == 404, name
