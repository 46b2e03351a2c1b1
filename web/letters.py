"""The skeleton a first reply letter starts from, in the standard format (domain.md §5).

Only a starting point for the drafter: salutation, acknowledgement, numbered points to answer one by
one, closing, the unit and date, copies to the office and the CPPCC proposal committee. The contact person
and phone are fields of the reply, not lines of the letter: the pages draw the letter's foot from the
fields, and a published letter must carry no contact details (``handling.disclosure``).
"""

from __future__ import annotations

from datetime import date

from handling.models import Assignment
from organisation.models import User
from proposals.models import ProposalKind

INDENT = "\u3000\u3000"  # two full-width spaces open a paragraph in Chinese official letters


def salutation(a: Assignment) -> str:
    proposers = list(a.proposal.proposers.order_by("position"))
    if not proposers:
        return "提案人："
    first = proposers[0].name
    if a.proposal.kind == ProposalKind.COLLECTIVE:
        return f"{first}："
    if len(proposers) > 1:
        return f"{first}等委员："
    return f"{first}委员："


def skeleton(a: Assignment, drafter: User, today: date) -> str:
    p = a.proposal
    unit = a.department.name
    jurisdiction = p.jurisdiction.name
    return "\n".join(
        [
            salutation(a),
            f"{INDENT}您提出的《{p.title}》（{p.session.name}第{p.number}号提案）收悉。经认真研究，现答复如下：",
            f"{INDENT}一、",
            f"{INDENT}二、",
            f"{INDENT}感谢您对{unit}工作的关心和支持。",
            "",
            unit,
            f"{today.year}年{today.month}月{today.day}日",
            f"抄送：{jurisdiction}人民政府督查室，政协{jurisdiction}委员会提案委员会。",
        ]
    )
