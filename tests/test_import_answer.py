"""The answer and the limits of ``POST /api/v1/proposals/import`` (issue 10 review): refused rows answer
api.md's ``200 {created: 0, errors: [{row, message}]}`` and write nothing in any table; the import's
size limit is ``IMPORT_MAX_BYTES``, and the upload cap before the body is read follows it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.db import connection

from conftest import World, make_session
from history.backup import backup_models

from .test_spreadsheets import upload as post_import
from .test_spreadsheets import workbook

ROOT = Path(__file__).resolve().parent.parent


def every_count() -> dict[str, int]:
    tables = set(connection.introspection.table_names())  # a model without its migration yet is skipped
    return {m._meta.label: m._base_manager.count() for m in backup_models() if m._meta.db_table in tables}


def test_refused_rows_answer_200_with_the_rows_and_write_nothing(world: World) -> None:
    session = make_session(world)
    rows: list[list[Any]] = [["1", "关于一的建议", "张委员"], ["2", None, "张委员"], ["1", "关于三的建议", None]]
    before = every_count()
    for extra in ({}, {"dry_run": "true"}):
        status, body = post_import(world, workbook(rows), session, **extra)
        assert status == 200, body
        assert body["created"] == 0 and [e["row"] for e in body["errors"]] == [3, 4, 4]
        assert all(set(e) == {"row", "message"} for e in body["errors"])
        assert "error" not in body  # not an error body: api.md's answer of the call
        assert every_count() == before, extra  # no proposal, proposer, event, search entry …


def test_a_file_over_the_import_limit_is_refused_by_its_own_setting(world: World, settings: Any) -> None:
    settings.IMPORT_MAX_BYTES = 4000
    session = make_session(world)
    data = workbook([[str(i), f"关于第{i}件事的建议", "张委员", None, None, "内容" * 50] for i in range(1, 40)])
    assert 4000 < len(data) < settings.ATTACHMENT_MAX_BYTES
    before = every_count()
    status, body = post_import(world, data, session)
    assert status == 413 and body["error"]["details"]["reason"] == "too_large", body
    assert "最多" in body["error"]["message"] and every_count() == before


def test_the_upload_cap_follows_the_larger_of_the_attachment_and_the_import_limits() -> None:
    def cap(**env: str) -> int:
        code = "from django.conf import settings; print(settings.UPLOAD_MAX_BYTES)"
        clean = {k: v for k, v in os.environ.items() if not k.endswith("_MAX_BYTES")}
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                             env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env})  # fmt: skip
        return int(out.stdout.strip())

    mb = 1024 * 1024
    assert cap() == 21 * mb  # 20 MB attachments, 10 MB imports
    assert cap(IMPORT_MAX_BYTES=str(40 * mb)) == 41 * mb  # a larger import is not cut at the attachments' cap
    assert cap(UPLOAD_MAX_BYTES=str(5 * mb), IMPORT_MAX_BYTES=str(40 * mb)) == 5 * mb  # set: as set
