"""Every reply letter of the demo city's replied proposals, and the other documents on a sample that has every
layout they come in, fetched as those who may read it (issue 10: `make demo` shows every document): each answers
200 and opens; the PDF of a few of each kind is read back and its first page saved under
``test-output/documents/demo-*.png``. The demo is the one ``test_load_demo`` reads (conftest.py).

The letters (答复函, 会办意见) are read one and all: each is its own text, broken into headings and paragraphs
by ``documents.content.letter_body``, so any one of them could be the one that breaks. The forms (承办单,
征询意见表) are one fixed grid each, whose cells only vary with a few features of the record (``_form_kind``,
``_feedback_kind``); every distinct combination of those features is opened once, the rest add nothing but
time (they were three quarters of this test's run).
"""

from __future__ import annotations

import pytest

from conftest import Api
from documents.content import proposal_ref
from documents.tests.helpers import all_text, first_page_png, open_docx, pdf_fonts, pdf_pages, pdf_text
from handling.models import Assignment, Feedback, HandlingForm, Reply
from handling.states import AssignmentRole, State
from organisation.models import Role, User
from proposals.models import Instruction

pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.xdist_group("demo")]

PDFS_PER_KIND = 3
MEMBERS = 10


def _get(api: Api, path: str) -> bytes:
    resp = api.get(path)
    assert resp.status == 200, (path, resp.status, resp.data)
    assert isinstance(resp.data, bytes)
    return resp.data


def _unit_user(a: Assignment, role: str) -> User:
    user = User.objects.filter(department_id=a.department_id, role=role, is_active=True).order_by("pk").first()
    assert user is not None, (a.department, role)
    return user


def _flat(text: str) -> str:
    return text.replace("\n", "").replace(" ", "")


def _numbering(a: Assignment) -> tuple[bool, bool]:
    """How a form names the proposal (``Proposal.number_label``, ``cppcc_of``): a daily proposal or a session's,
    of the city or of the county."""
    p = a.proposal
    return (p.session.is_daily, p.jurisdiction.parent_id is None)


def _form_kind(a: Assignment) -> tuple[object, ...]:
    """What changes a 承办单 (documents.content.handling_form), branch by branch: the numbering, lead or co
    (办复期限/意见期限), the 拟办意见 and its approval (on record, sent back once first, or blank lines), the
    leaders' 批示 (rows of them, or an empty row), one lead or several, co units or 无. The rest of it (title,
    proposers, dates) is text in the same cells."""
    forms = list(HandlingForm.objects.filter(assignment=a).order_by("pk").values_list("approved_at", flat=True))
    units = Assignment.objects.filter(proposal=a.proposal).exclude(state=State.WITHDRAWN)
    return (
        _numbering(a), a.role, len(forms), bool(forms) and forms[-1] is not None,
        Instruction.objects.filter(proposal=a.proposal).exists(),
        units.filter(role=AssignmentRole.LEAD).count() > 1, units.filter(role=AssignmentRole.CO).exists(),
    )  # fmt: skip


def _feedback_kind(a: Assignment) -> tuple[object, ...]:
    """What changes a 征询意见表 (documents.content.feedback_form), branch by branch: the numbering, which
    delivered reply it cites (the only one, or the latest of several after re-handling), and the rating (none:
    blank boxes; online; on paper, naming who entered it; besides a co-signer's, which is not the one shown)."""
    feedbacks = Feedback.objects.filter(assignment=a)
    delivered = Reply.objects.filter(assignment=a, delivered_on__isnull=False).count()
    return (
        _numbering(a), delivered > 1, feedbacks.exists(), feedbacks.filter(on_paper=True).exists(),
        feedbacks.filter(decisive=False).exists(),
    )  # fmt: skip


def test_every_document_of_every_replied_proposal_opens(demo_output: str) -> None:
    leads = list(
        Assignment.objects.filter(role=AssignmentRole.LEAD, replies__delivered_on__isnull=False)
        .distinct().select_related("proposal", "department").order_by("pk")
    )  # fmt: skip
    assert len(leads) > 50
    office = Api(User.objects.get(username="office"))
    apis: dict[int, Api] = {}

    def api(user: User) -> Api:
        if user.pk not in apis:
            apis[user.pk] = Api(user)
        return apis[user.pk]

    pdfs: dict[str, list[str]] = {"reply-letter": [], "handling-form": [], "feedback-form": [], "co-opinion": []}
    letters = 0
    members: set[int] = set()
    form_kinds: set[tuple[object, ...]] = set()
    feedback_kinds: set[tuple[object, ...]] = set()
    for a in leads:
        p = a.proposal
        head = api(_unit_user(a, Role.DEPT_HEAD))
        delivered = Reply.objects.filter(assignment=a, delivered_on__isnull=False).order_by("-version")[0]
        letter = open_docx(_get(head, f"/assignments/{a.pk}/reply-letter.docx"))
        text = all_text(letter)
        latest = Reply.objects.filter(assignment=a).order_by("-version")[0]
        if latest.signed_on is not None:
            assert latest.document_number and latest.document_number in text, a.pk
            assert "草稿" not in letter.sections[0].header._element.xml
        assert a.department.name in text and f"关于{proposal_ref(p)}的答复" in _flat(text), a.pk
        assert text.count("签发人") == 1 and "抄送：" in text, a.pk
        letters += 1

        # the proposer reads the delivered letter and the feedback form (a few: the scoping has its own tests)
        proposer = p.proposers.filter(user__isnull=False).order_by("position").first()
        if proposer is not None and proposer.user is not None and len(members) < MEMBERS:
            members.add(a.pk)
            member = api(proposer.user)
            mine = all_text(open_docx(_get(member, f"/assignments/{a.pk}/reply-letter.docx")))
            assert delivered.document_number in mine and "草稿" not in mine, a.pk
            _get(member, f"/assignments/{a.pk}/feedback-form.docx")

        if (variant := _form_kind(a)) not in form_kinds:
            form_kinds.add(variant)
            form = all_text(open_docx(_get(head, f"/assignments/{a.pk}/handling-form.docx")))
            assert "提案承办单" in form and p.title in form, a.pk
        if (variant := _feedback_kind(a)) not in feedback_kinds:
            feedback_kinds.add(variant)
            feedback = all_text(open_docx(_get(head, f"/assignments/{a.pk}/feedback-form.docx")))
            assert "提案办理征询意见表" in feedback and p.title in feedback, a.pk
            assert delivered.document_number in feedback, a.pk

        for kind in ("reply-letter", "handling-form", "feedback-form"):
            if len(pdfs[kind]) < PDFS_PER_KIND:
                pdfs[kind].append(f"/assignments/{a.pk}/{kind}.pdf")

    cos = list(
        Assignment.objects.filter(role=AssignmentRole.CO, proposal__in={a.proposal_id for a in leads},
                                  co_opinions__isnull=False)
        .distinct().select_related("proposal", "department").order_by("pk")
    )  # fmt: skip
    assert cos
    for c in cos:
        handler = api(_unit_user(c, Role.DEPT_HANDLER))
        opinion = open_docx(_get(handler, f"/assignments/{c.pk}/co-opinion.docx"))
        text = _flat(all_text(opinion))
        assert f"关于{proposal_ref(c.proposal)}的会办意见" in text and c.department.name in text, c.pk
        if (variant := _form_kind(c)) not in form_kinds:
            form_kinds.add(variant)
            assert "提案承办单" in all_text(open_docx(_get(handler, f"/assignments/{c.pk}/handling-form.docx")))
        if len(pdfs["co-opinion"]) < PDFS_PER_KIND:
            pdfs["co-opinion"].append(f"/assignments/{c.pk}/co-opinion.pdf")

    # the PDFs (slower): a few of each kind, and the longest letter, as the office reads them
    longest = max(leads, key=lambda a: len(Reply.objects.filter(assignment=a).order_by("-version")[0].text))
    for kind, paths in pdfs.items():
        assert paths, kind
        for i, path in enumerate(paths):
            data = _get(office, path)
            fonts = pdf_fonts(data)
            assert "CJK" in fonts or "WenQuanYi" in fonts, (path, fonts)
            text = _flat(pdf_text(data))
            wanted = {"reply-letter": "的答复", "handling-form": "提案承办单", "feedback-form": "征询意见表",
                      "co-opinion": "的会办意见"}[kind]  # fmt: skip
            assert wanted in text, path
            if i == 0:
                first_page_png(data, f"demo-{kind}")
    data = _get(office, f"/assignments/{longest.pk}/reply-letter.pdf")
    assert pdf_pages(data) >= 2 and f"关于{proposal_ref(longest.proposal)}的答复" in _flat(pdf_text(data, 1))
    first_page_png(data, "demo-reply-letter-longest")
    assert letters == len(leads) and len(members) == MEMBERS
    # the sample has the variants the forms come in (no test of the demo may pass on a uniform sample)
    assert {k[1] for k in form_kinds} == {AssignmentRole.LEAD, AssignmentRole.CO}
    assert {k[2] for k in feedback_kinds} == {True, False} and {k[3] for k in feedback_kinds} == {True, False}
    assert any(k[1] for k in feedback_kinds) and any(k[5] for k in form_kinds) and any(k[4] for k in form_kinds)
