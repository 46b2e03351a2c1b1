"""文号: each unit numbers its reply letters from a yearly sequence with its prefix, gapless, given at signing;
two heads signing at once get consecutive, distinct numbers (row locks, proved on PostgreSQL)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import time_machine
from django.db import connection

from conftest import Api, World, act, assign, file_proposal
from handling.models import LetterSequence, Reply
from organisation.models import Department, Jurisdiction, Role
from tests.test_concurrency import run_together
from tests.test_transitions import advance_lead, draft_body, drive_lead

NOW = "2026-12-02 09:00 +0800"


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def numbers(*assignment_ids: int) -> list[str]:
    return [Reply.objects.get(assignment_id=a, signed_on__isnull=False).document_number for a in assignment_ids]


def test_each_unit_numbers_its_letters_from_one_gapless_yearly_sequence(world):
    jyj = [drive_lead(world, "replied")[1] for _ in range(3)]
    wjw = drive_lead(world, "replied", unit=world.wjw)[1]
    assert numbers(*jyj) == ["示教提复〔2026〕1号", "示教提复〔2026〕2号", "示教提复〔2026〕3号"]
    assert numbers(wjw) == ["示卫提复〔2026〕1号"]
    seqs = Reply.objects.filter(assignment_id__in=jyj).order_by("document_seq").values_list("document_seq", flat=True)
    assert list(seqs) == [1, 2, 3]
    assert LetterSequence.objects.get(department=world.jyj, year=2026).last == 3


def test_a_letter_signed_in_another_year_starts_that_years_sequence(world):
    p = file_proposal(world)
    a = assign(world, p["id"], [(world.jyj, "lead")], assigned_on="2025-12-01")["assignments"][0]["id"]
    advance_lead(world, a, "reply_drafted")
    act(world, world.jyj_head, a, "sign-reply", {"signed_on": "2025-12-30"})
    assert numbers(a) == ["示教提复〔2025〕1号"]
    later = drive_lead(world, "replied")[1]
    assert numbers(later) == ["示教提复〔2026〕1号"]


def test_the_prefix_is_the_units_own_or_derived_from_its_names(world):
    Department.objects.filter(pk=world.jyj.pk).update(reply_prefix="示教提复函")
    assert numbers(drive_lead(world, "replied")[1]) == ["示教提复函〔2026〕1号"]
    county = Jurisdiction.objects.get(name="示例县")
    assert Department(jurisdiction=county, name="示例县教育局").letter_prefix == "示教提复"
    assert Department(jurisdiction=county, name="县卫健委", short_name="卫健委").letter_prefix == "示卫提复"
    assert Department(jurisdiction=world.city, name="市教育局", reply_prefix=" 市教复 ").letter_prefix == "市教复"


def test_a_refused_signing_uses_no_number(world):
    _, a = drive_lead(world, "reply_drafted")
    act(world, world.jyj_head, a, "sign-reply", {"signed_on": "2027-01-01"}, expect=422)  # in the future
    act(world, world.jyj_head, a, "sign-reply", {})
    assert numbers(a) == ["示教提复〔2026〕1号"]


def test_drafts_have_no_number_and_a_new_letter_after_rehandling_gets_the_next(world):
    _, a = drive_lead(world, "rehandling")
    act(world, world.jyj_handler, a, "draft-reply", draft_body("A"))
    assert Reply.objects.get(assignment_id=a, version=2).document_number == ""
    act(world, world.jyj_head, a, "sign-reply", {})
    seqs = Reply.objects.filter(assignment_id=a).order_by("version").values_list("document_seq", flat=True)
    assert list(seqs) == [1, 2]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL")
def test_heads_signing_at_once_get_consecutive_distinct_numbers(world: World) -> None:
    """Eight letters of one unit signed at the same moment by two heads: numbers 1…8, each once."""
    second_head = world.user("jyj_head2", Role.DEPT_HEAD, "市教育局副局长", world.jyj)
    ids = []
    for _ in range(8):
        _, a = drive_lead(world, "reply_drafted")
        ids.append(a)
    apis = [Api(world.jyj_head if i % 2 else second_head) for i in range(8)]
    results = run_together(lambda i: apis[i].post(f"/assignments/{ids[i]}/sign-reply"))
    assert Counter(r.status for r in results) == Counter({200: 8})
    seqs = sorted(s or 0 for s in Reply.objects.filter(assignment_id__in=ids).values_list("document_seq", flat=True))
    assert seqs == list(range(1, 9))
    assert len(set(numbers(*ids))) == 8
    assert LetterSequence.objects.get(department=world.jyj, year=2026).last == 8
