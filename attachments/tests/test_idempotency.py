"""``Idempotency-Key`` on the two upload endpoints: a retried upload is answered as the first was and its
file is stored once; a key reused for another file is refused; a retry racing the first one loses on the
key and takes its stored file away again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from api.models import IdempotencyRecord
from attachments.models import Attachment
from history.models import Event

from . import samples
from .conftest import raw_multipart


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _post(world: Any, user: Any, path: str, key: str, content: bytes, name: str = "纪要.pdf",
          kind: str = "minutes") -> Any:  # fmt: skip
    api = world.api(user)
    return api.client.post(
        "/api/v1" + path,
        {"kind": kind, "file": SimpleUploadedFile(name, content)},
        headers={**api.headers, "Idempotency-Key": key},
    )


@pytest.mark.parametrize("target", ["assignment", "proposal"])
def test_a_retried_upload_replays_the_first_answer_and_stores_the_file_once(world, case, attachment_dir, target):
    if target == "assignment":
        user, path, kind = world.jyj_handler, f"/assignments/{case['lead']}/attachments", "minutes"
    else:
        user, path, kind = world.cppcc, f"/proposals/{case['proposal']}/attachments", "original"
    events = Event.objects.filter(action="attach").count()
    first = _post(world, user, path, "upload-1", samples.PDF, "座谈会纪要.pdf", kind)
    assert first.status_code == 201, first.content
    assert len(_files(attachment_dir)) == 1

    # the retry: the same form written by another client, so another multipart boundary
    api = world.api(user)
    body, ctype = raw_multipart("座谈会纪要.pdf", samples.PDF, kind)
    again = api.client.post("/api/v1" + path, body, content_type=ctype,
                            headers={**api.headers, "Idempotency-Key": "upload-1"})  # fmt: skip
    assert again.status_code == 201, again.content
    assert again.json() == first.json()
    assert Attachment.objects.filter(proposal_id=case["proposal"]).count() == 1
    assert len(_files(attachment_dir)) == 1  # not stored twice
    assert Event.objects.filter(action="attach").count() == events + 1

    # another key is another upload
    other = _post(world, user, path, "upload-2", samples.PDF, "座谈会纪要.pdf", kind)
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert len(_files(attachment_dir)) == 2


def test_a_key_reused_for_another_file_is_refused_and_stores_nothing(world, case, attachment_dir):
    path = f"/assignments/{case['lead']}/attachments"
    assert _post(world, world.jyj_handler, path, "k", samples.PDF).status_code == 201
    for content, name, kind in ((samples.docx(), "纪要.docx", "minutes"), (samples.PDF, "另一份.pdf", "minutes"),
                                (samples.PDF, "纪要.pdf", "other")):  # fmt: skip
        resp = _post(world, world.jyj_handler, path, "k", content, name, kind)
        assert resp.status_code == 422, (name, kind, resp.content)
        assert resp.json()["error"]["code"] == "idempotency_key_reused"
    assert Attachment.objects.count() == 1 and len(_files(attachment_dir)) == 1
    # the same key of another user is theirs alone
    assert _post(world, world.jyj_head, path, "k", samples.docx(), "纪要.docx").status_code == 201


def test_a_refused_upload_is_not_remembered(world, case, attachment_dir):
    path = f"/assignments/{case['lead']}/attachments"
    refused = _post(world, world.jyj_handler, path, "retry-me", samples.EXE, "纪要.pdf")
    assert refused.status_code == 400
    assert not IdempotencyRecord.objects.filter(key="retry-me").exists()
    # the user fixes the file and sends it again with the same key: a new request, it goes through
    assert _post(world, world.jyj_handler, path, "retry-me", samples.PDF, "纪要.pdf").status_code == 201
    long_key = _post(world, world.jyj_handler, path, "x" * 201, samples.PDF)
    assert long_key.status_code == 400 and "Idempotency-Key 过长" in long_key.json()["error"]["message"]
    assert Attachment.objects.count() == 1


class RacedStorage(FileSystemStorage):
    """While this upload stores its file, the first request with the same key commits (as it would on
    another app server): the answer it recorded is written here, as ``remember`` writes it."""

    race: dict[str, Any] = {}

    def _save(self, name: str, content: Any) -> str:
        saved = super()._save(name, content)  # type: ignore[misc]  # in Django, not in its stubs
        if RacedStorage.race:
            IdempotencyRecord.objects.create(**RacedStorage.race)
            RacedStorage.race = {}
        return saved


def test_a_retry_racing_the_first_upload_replays_it_and_removes_its_own_file(world, case, settings, tmp_path):
    folder = tmp_path / "raced"
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {"BACKEND": f"{__name__}.RacedStorage", "OPTIONS": {"location": folder}},
    }
    path = f"/assignments/{case['lead']}/attachments"
    first = _post(world, world.jyj_handler, path, "first", samples.PDF)
    assert first.status_code == 201
    record = IdempotencyRecord.objects.get(key="first")
    before = _files(folder)

    # the racing retry (same user, same file) carries the same fingerprint under a key not seen yet
    RacedStorage.race = {"user": world.jyj_handler, "key": "raced", "fingerprint": record.fingerprint,
                         "status": 201, "body": record.body}  # fmt: skip
    try:
        raced = _post(world, world.jyj_handler, path, "raced", samples.PDF)
    finally:
        RacedStorage.race = {}
    assert raced.status_code == 201, raced.content
    assert json.loads(raced.content) == first.json()  # the answer of the request that won
    assert Attachment.objects.count() == 1
    assert _files(folder) == before  # its own stored copy was removed again
