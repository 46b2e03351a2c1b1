"""Every reply the demo publishes, read as the public reads it: no handler's name, phone or e-mail
(issue 7, hole 6). The demo is the one ``test_load_demo`` reads, loaded once for both (conftest.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from conftest import Api
from handling.models import Reply
from handling.queries import published_replies
from tests.test_disclosure import contact_details
from web.tests.helpers import csv_text

# One worker for every test of the demo under `pytest -n 2 --dist loadgroup`: it loads the demo once.
pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.xdist_group("demo")]


def test_demo_letters_keep_contacts_in_the_fields(demo_output: str) -> None:
    replies = Reply.objects.all()
    assert replies.count() > 100
    assert not replies.filter(text__contains="联系人").exists()
    assert not replies.filter(contact_person="").exists() and not replies.filter(contact_phone="").exists()


def _all_public_items() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        data = Api().get("/public/replies", page=page, page_size=200).data
        items += data["items"]
        if len(items) >= data["total"] or not data["items"]:
            return items
        page += 1


def test_every_published_reply_is_free_of_contact_details(demo_output: str) -> None:
    items = _all_public_items()
    assert len(items) == published_replies().count() > 100
    for item in items:
        assert contact_details(item["text"]) == [], item

    client = Client()
    ids: list[str] = []
    page = 1
    while len(ids) < len(items):
        listing = client.get("/public/", {"page": page}).content.decode()
        assert contact_details(listing) == []
        found = re.findall(r'href="/public/(\d+)/"', listing)
        assert found, page
        ids += found
        page += 1
    assert len(set(ids)) == len(items)
    for reply_id in ids:
        letter = client.get(f"/public/{reply_id}/").content.decode()
        assert contact_details(letter) == [], reply_id
    export = csv_text(client.get("/public/?export=csv"))
    assert contact_details(export) == []
