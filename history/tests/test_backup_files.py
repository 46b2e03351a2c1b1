"""The attachments' files in a backup: ``backup`` copies them beside the rows (checked against each row's
SHA-256), ``restore`` puts them back into the storage; a damaged or missing file refuses the restore and
leaves nothing behind; a backup without files restores its rows and names the files the storage lacks."""

from __future__ import annotations

import hashlib
import json
import shutil
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from attachments import actions
from attachments.models import Attachment
from attachments.tests import samples
from handling.models import Assignment
from history.models import Event
from proposals.models import Proposal

from .test_backup import _empty_the_database
from .worlds import handled_proposal

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def store(settings: Any, tmp_path: Path) -> Path:
    folder = tmp_path / "store"
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": folder}},
    }
    return folder


def _stored(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _with_files(world: Any) -> dict[str, bytes]:
    """A signed reply's scan, a photo and the proposal's original: three files in the storage."""
    lead = handled_proposal(world)
    a = Assignment.objects.get(pk=lead["id"])
    p = Proposal.objects.get(pk=a.proposal_id)

    def up(target: Any, user: Any, kind: str, name: str, content: bytes) -> None:
        run = actions.attach_to_assignment if isinstance(target, Assignment) else actions.attach_to_proposal
        run(target, actor=user, kind=kind, upload=actions.Upload(name, BytesIO(content)))

    up(a, world.jyj_handler, "sealed_reply", "答复函（盖章）.pdf", samples.PDF)
    up(a, world.jyj_handler, "photo", "现场.png", samples.png())
    up(p, world.cppcc, "original", "提案原件.docx", samples.docx())
    return {a.key: {"sealed_reply": samples.PDF, "photo": samples.png(), "original": samples.docx()}[a.kind]
            for a in Attachment.objects.all()}  # fmt: skip


def test_round_trip_gives_back_every_file(world, tmp_path, store, capsys):
    files = _with_files(world)
    rows = list(Attachment.objects.order_by("pk").values())
    path = tmp_path / "banli.jsonl"
    call_command("backup", str(path))
    out = capsys.readouterr().out
    assert "附件文件 3 个" in out and "banli.files" in out

    folder = tmp_path / "banli.files"
    assert {k: v for k, v in _stored(folder).items() if k != "SHA256SUMS"} == files
    sums = dict(reversed(line.split("  ")) for line in (folder / "SHA256SUMS").read_text().splitlines())
    assert sums == {key: hashlib.sha256(content).hexdigest() for key, content in files.items()}
    header = json.loads(path.read_bytes().splitlines()[0])
    assert header["files"] == {"folder": "banli.files", "count": 3, "bytes": sum(map(len, files.values())),
                               "missing": [], "damaged": []}  # fmt: skip
    assert not (tmp_path / "banli.files.partial").exists() and not (tmp_path / "banli.jsonl.partial").exists()

    # the database and the storage are lost; the backup brings both back
    _empty_the_database()
    shutil.rmtree(store)
    call_command("restore", str(path))
    assert "附件文件 3 个" in capsys.readouterr().out
    assert _stored(store) == files
    assert list(Attachment.objects.order_by("pk").values()) == rows
    # downloads work again, through the access checks
    sealed = Attachment.objects.get(kind="sealed_reply")
    world._apis.clear()  # API tokens are not backed up
    member = world.api(world.member1)
    resp = member.client.get(f"/api/v1/attachments/{sealed.pk}", headers=member.headers)
    assert resp.status_code == 200 and resp.getvalue() == samples.PDF


def test_a_storage_that_kept_its_files_is_left_as_it_is(world, tmp_path, store, capsys):
    files = _with_files(world)
    path = tmp_path / "banli.jsonl"
    call_command("backup", str(path))
    _empty_the_database()
    call_command("restore", str(path))  # only the database was lost
    assert "存储中已有 3 个" in capsys.readouterr().out
    assert _stored(store) == files


def test_a_damaged_or_missing_file_in_the_backup_refuses_the_restore(world, tmp_path, store):
    files = _with_files(world)
    path = tmp_path / "banli.jsonl"
    call_command("backup", str(path))
    folder = tmp_path / "banli.files"
    photo = Attachment.objects.get(kind="photo").key
    _empty_the_database()
    shutil.rmtree(store)

    (folder / photo).write_bytes(samples.png() + b"changed")
    with pytest.raises(CommandError, match="SHA-256 或大小不符"):
        call_command("restore", str(path))
    assert not Event.objects.exists() and not Attachment.objects.exists()  # the rows rolled back
    assert _stored(store) == {}  # and the files put before the damaged one were removed again

    (folder / photo).unlink()
    with pytest.raises(CommandError, match=f"缺少文件 {photo}"):
        call_command("restore", str(path))
    assert _stored(store) == {} and not Attachment.objects.exists()

    shutil.rmtree(folder)
    with pytest.raises(CommandError, match="找不到其文件夹"):
        call_command("restore", str(path))
    assert not Attachment.objects.exists() and len(files) == 3


def test_a_file_missing_from_the_storage_fails_the_backup_loudly(world, tmp_path, store):
    _with_files(world)
    gone = Attachment.objects.get(kind="original").key
    (store / gone).unlink()
    path = tmp_path / "banli.jsonl"
    with pytest.raises(CommandError, match=f"存储中缺少 1 个：{gone}"):
        call_command("backup", str(path))
    assert path.exists()  # everything else is written
    assert json.loads(path.read_bytes().splitlines()[0])["files"]["missing"] == [gone]


def test_a_backup_without_files_restores_the_rows_and_names_what_the_storage_lacks(world, tmp_path, store, capsys):
    files = _with_files(world)
    path = tmp_path / "rows-only.jsonl"
    call_command("backup", str(path), "--without-files")
    assert not (tmp_path / "rows-only.files").exists()
    assert json.loads(path.read_bytes().splitlines()[0])["files"] is None
    capsys.readouterr()
    _empty_the_database()
    shutil.rmtree(store)
    call_command("restore", str(path))
    out = capsys.readouterr().out
    assert "附件存储中缺少 3 个" in out and Attachment.objects.count() == 3
    assert all(key in out for key in files)
