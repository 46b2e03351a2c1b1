"""Reply letter numbers (文号): one gapless sequence per unit and year, e.g. 示教提复〔2026〕12号."""

from __future__ import annotations

from .models import LetterSequence, Reply


def document_number(prefix: str, year: int, seq: int) -> str:
    return f"{prefix}〔{year}〕{seq}号"


def number_letter(reply: Reply) -> None:
    """Give a signed reply the next number of its unit's sequence for the signing year.

    Called inside the signing action's transaction, after the proposal and assignment locks: the counter
    row is locked last, so actions on different proposals only queue here, for the few statements to the
    commit. INSERT … ON CONFLICT DO NOTHING makes the year's row without a race (a second inserter waits
    for the first and then finds it); the UPDATE under the row lock then hands out each number once, and
    as the number is written in the same transaction, a rolled-back signing gives its number back.
    """
    assert reply.signed_on is not None
    a = reply.assignment
    year = reply.signed_on.year
    LetterSequence.objects.bulk_create(
        [LetterSequence(department_id=a.department_id, year=year, last=0)], ignore_conflicts=True
    )
    seq = LetterSequence.objects.select_for_update().get(department_id=a.department_id, year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    reply.document_year = year
    reply.document_seq = seq.last
    reply.document_number = document_number(a.department.letter_prefix, year, seq.last)
    reply.save(update_fields=["document_number", "document_year", "document_seq"])
