"""The 文号 of the letters ``load_scale`` signs, as ``handling.numbering`` gives them: per unit and year of
signing, from 1 without gaps, with the unit's prefix (示例市 + 教育局 → 示教提复〔2026〕12号); a version the
office makes at its review keeps the number of the letter it copies. After the load, each unit's yearly
sequence (``LetterSequence``) is set to its last number, so the next real signing continues it."""

from __future__ import annotations

from django.db.models import Max

from handling.models import LetterSequence, Reply
from handling.numbering import document_number
from organisation.models import Department, Jurisdiction

# (document_number, document_year, document_seq): the reply row's last columns; empty for an unsigned draft
Number = tuple[str, int | None, int | None]
NONE: Number = ("", None, None)


class Numbers:
    """The counters of one load, kept by the generator (one process generates every chunk)."""

    def __init__(self) -> None:
        self._last: dict[tuple[int, int], int] = {}
        self._prefix: dict[int, str] = {}
        self.given: dict[int, Number] = {}  # reply id → its number, until the row is finished

    def sign(self, reply_id: int, unit_id: int, unit_name: str, place: str, year: int) -> str:
        prefix = self._prefix.get(unit_id)
        if prefix is None:
            # the Department row org.py writes (short name without the place, no prefix of its own)
            dept = Department(name=unit_name, short_name=unit_name.removeprefix(place)[:30], reply_prefix="",
                              jurisdiction=Jurisdiction(name=place))  # fmt: skip
            prefix = self._prefix[unit_id] = dept.letter_prefix
        seq = self._last.get((unit_id, year), 0) + 1
        self._last[(unit_id, year)] = seq
        number = document_number(prefix, year, seq)
        self.given[reply_id] = (number, year, seq)
        return number

    def same_as(self, reply_id: int, copied_id: int) -> None:
        if copied_id in self.given:
            self.given[reply_id] = self.given[copied_id]

    def take(self, reply_id: int) -> Number:
        return self.given.pop(reply_id, NONE)


def set_sequences(first_department: int, last_department: int) -> int:
    """Each loaded unit's sequence for each year it signed in, set to the highest number it gave (read back
    from the written replies, whichever process generated them); return how many were set."""
    found = (
        Reply.objects.filter(
            document_seq__isnull=False, assignment__department__id__range=(first_department, last_department)
        )
        .values_list("assignment__department_id", "document_year")
        .annotate(last=Max("document_seq"))
        .order_by()
    )
    rows = [LetterSequence(department_id=d, year=y, last=n) for d, y, n in found]
    LetterSequence.objects.bulk_create(
        rows, batch_size=2000, update_conflicts=True, unique_fields=["department", "year"], update_fields=["last"]
    )
    return len(rows)
