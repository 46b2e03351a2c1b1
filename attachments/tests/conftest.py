"""A storage folder of each test's own, and a case to attach to: a proposal handled by 市教育局 (lead)
with 市卫生健康委员会 (co); 市住房和城乡建设局 and the county's unit have nothing to do with it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import Response, World, act, assign, build_shared, file_proposal


@pytest.fixture(autouse=True)
def attachment_dir(settings: Any, tmp_path: Path) -> Path:
    """Where this test's files go (the setting change resets Django's storages)."""
    folder = tmp_path / "attachments"
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": folder}},
    }
    return folder


def _case(world: World) -> dict[str, int]:
    p = file_proposal(world)
    detail = assign(world, p["id"], [(world.jyj, "lead"), (world.wjw, "co")])
    lead = next(a["id"] for a in detail["assignments"] if a["role"] == "lead")
    co = next(a["id"] for a in detail["assignments"] if a["role"] == "co")
    act(world, world.jyj_handler, lead, "receive")
    return {"proposal": p["id"], "lead": lead, "co": co}


@pytest.fixture(scope="module")
def shared_case(module_world: World | None, django_db_blocker: Any) -> dict[str, int]:
    return build_shared(module_world, django_db_blocker, _case)


@pytest.fixture
def case(shared_case: dict[str, int], world: World) -> dict[str, int]:
    return shared_case


def upload(
    world: World, user: Any, path: str, content: bytes, name: str = "纪要.pdf", kind: str = "minutes"
) -> Response:
    """``POST /api/v1<path>`` with a multipart ``file`` and ``kind``, as ``user``."""
    api = world.api(user)
    resp = api.client.post(
        "/api/v1" + path, {"kind": kind, "file": SimpleUploadedFile(name, content)}, headers=api.headers
    )
    ctype = resp.get("Content-Type", "")
    return Response(resp.status_code, json.loads(resp.content) if "json" in ctype else resp.content)


def raw_multipart(name: str, content: bytes, kind: str) -> tuple[bytes, str]:
    """A multipart body written by hand, so that the file name goes out exactly as given (Django's test
    client would strip a path from it before sending)."""
    boundary = "----banli-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\n{kind}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"
