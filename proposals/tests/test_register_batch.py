"""Registering a session's proposals in one batch (the Excel import) writes what one-by-one registration
writes: the proposals and proposers, a search document each and a history event that starts a valid chain."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import make_session
from history.integrity import verify_history
from history.models import Event
from lib.errors import Forbidden, RuleViolation
from proposals.actions import NewProposal, ProposerEntry, create_proposal, register_proposals
from proposals.models import Proposal, Proposer, Session
from search.models import Document, Kind


def new(world: Any, number: str, title: str, *, joint: bool = False) -> NewProposal:
    proposers = [ProposerEntry(world.member1.name, world.member1)] + ([ProposerEntry("李联名")] if joint else [])
    return NewProposal(number=number, title=title, body=f"{title}。建议加强课后服务与托育衔接。", category="教育事业",
                       kind="joint" if joint else "individual", proposers=proposers)  # fmt: skip


def written(p: Proposal) -> dict[str, Any]:
    """What registering ``p`` wrote, without the ids and times that differ between two registrations."""
    doc = Document.objects.get(kind=Kind.PROPOSAL, object_id=p.pk)
    event = Event.objects.get(proposal=p)
    return {
        "fields": (p.title, p.body, p.kind, p.category, p.status, p.year, p.jurisdiction_id, p.created_by_id),
        "proposers": list(Proposer.objects.filter(proposal=p).order_by("position").values_list("position", "name", "user")),  # noqa: E501
        "search": (doc.title_key, doc.year, doc.jurisdiction_id, sorted(doc.tokens.replace("'", "").split())),
        "event": (event.action, event.actor_id, event.to_state, event.data, event.prev_hash),
    }  # fmt: skip


@pytest.mark.django_db
def test_a_batch_writes_what_one_by_one_registration_writes(world: Any) -> None:
    one = Session.objects.get(pk=make_session(world))
    other = Session.objects.get(pk=make_session(world, name="十四届三次会议", year=one.year))
    rows = [new(world, "1", "关于托育服务的建议"), new(world, "2", "关于课后服务的建议", joint=True)]
    batch = register_proposals(one, actor=world.cppcc, rows=rows)
    singles = [create_proposal(other, actor=world.cppcc, new=r) for r in rows]
    assert [p.number for p in batch] == ["1", "2"]
    for b, s in zip(batch, singles, strict=True):
        assert written(b) == written(s)
    assert verify_history()[0] is None  # every chain the batch started checks out
    found = world.api(world.office).get("/proposals", q="托育", page_size=50).data["items"]
    assert {batch[0].pk, singles[0].pk} <= {p["id"] for p in found}


@pytest.mark.django_db
def test_a_number_taken_or_repeated_refuses_the_whole_batch(world: Any) -> None:
    session = Session.objects.get(pk=make_session(world))
    create_proposal(session, actor=world.cppcc, new=new(world, "7", "已登记的提案"))
    for numbers in (["8", "7"], ["9", "9"]):
        with pytest.raises(RuleViolation) as refused:
            register_proposals(session, actor=world.cppcc, rows=[new(world, n, f"提案{n}") for n in numbers])
        assert refused.value.code == "duplicate_number"
        assert refused.value.details["number"] == numbers[1]
    assert list(Proposal.objects.filter(session=session).values_list("number", flat=True)) == ["7"]
    assert Event.objects.filter(proposal__session=session).count() == 1


@pytest.mark.django_db
def test_only_the_jurisdictions_staff_register_a_batch(world: Any) -> None:
    session = Session.objects.get(pk=make_session(world))
    with pytest.raises(Forbidden):
        register_proposals(session, actor=world.jyj_handler, rows=[new(world, "1", "提案")])
    assert not Proposal.objects.filter(session=session).exists()


# serialized_rollback: a transactional test that flushes the content types breaks the serialized-rollback
# tests that follow it on PostgreSQL (tests/test_concurrency.py) unless it puts them back too
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_long_list_is_indexed_by_the_worker_once(world: Any, settings: Any) -> None:
    """Over SEARCH_INLINE_BATCH rows the registration queues the indexing with its own commit (the task's
    row is in the same transaction), and the worker writes each document once, however often it runs."""
    from django_tasks_db.models import DBTaskResult

    from search.tasks import index_later
    from worker.runner import Worker

    settings.SEARCH_INLINE_BATCH = 2
    session = Session.objects.get(pk=make_session(world))
    with pytest.raises(RuleViolation):  # refused as a whole: nothing is queued either
        register_proposals(session, actor=world.cppcc, rows=[new(world, n, f"关于托育{n}的建议") for n in "337"])
    assert not DBTaskResult.objects.exists()

    batch = register_proposals(session, actor=world.cppcc, rows=[new(world, n, f"关于托育{n}的建议") for n in "345"])
    office = world.api(world.office)
    assert office.get("/proposals", q="托育").data["items"] == []  # not yet: the worker indexes them
    assert DBTaskResult.objects.get().task_path == "search.tasks.index_later"

    Worker(scan_interval=600).run_queued_tasks()
    found = office.get("/proposals", q="托育", page_size=50).data["items"]
    assert sorted(p["id"] for p in found) == sorted(p.pk for p in batch)
    other = Session.objects.get(pk=make_session(world, name="十四届三次会议", year=session.year))
    one = create_proposal(other, actor=world.cppcc, new=new(world, "3", "关于托育3的建议"))
    assert written(one)["search"] == written(batch[0])["search"]  # what indexing at once writes
    assert index_later.call(Kind.PROPOSAL, [p.pk for p in batch]) == 0  # a second run writes nothing
    assert Document.objects.filter(kind=Kind.PROPOSAL, object_id__in=[p.pk for p in batch]).count() == 3
