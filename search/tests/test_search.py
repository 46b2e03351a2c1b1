"""Full-text search through the API and the pages, on SQLite and PostgreSQL alike.

Run on both: ``pytest search/tests`` and ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/banli_search_test
pytest search/tests``. ``test_same_ids_as_the_reference`` compares each database with a pure-Python
reference of the same rules, so both give the same ids in the same order.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from conftest import act, assign, file_proposal
from proposals.models import Proposal
from search import index, query, tokens
from search.models import Document, Kind

DATA = Path(settings.BASE_DIR).parent / "shared" / "data" / "jiangsu-2019" / "proposals-dev.csv"


def ids(world: Any, q: str, user: Any = None) -> list[int]:
    resp = world.api(user or world.office).get("/proposals", q=q, page_size=200)
    assert resp.status == 200, resp.data
    return [p["id"] for p in resp.data["items"]]


def public_ids(world: Any, q: str) -> list[int]:
    resp = world.api().get("/public/replies", q=q, page_size=200)
    assert resp.status == 200, resp.data
    return [r["proposal_id"] for r in resp.data["items"]]


def test_finds_words_of_two_three_and_four_characters_in_the_body(world: Any) -> None:
    school = file_proposal(world, title="关于一件事的建议", body="建议加大农村教育投入，推进乡村振兴，建设养老院。")[
        "id"
    ]
    other = file_proposal(world, title="关于另一件事的建议", body="完善城市公厕指引系统。")["id"]
    assert ids(world, "教育") == [school]
    assert ids(world, "养老院") == [school]
    assert ids(world, "乡村振兴") == [school]
    assert ids(world, "公厕指引") == [other]
    assert ids(world, "指引 公厕") == [other]  # every word, in any order
    assert ids(world, "建议") == [other, school]  # in both titles: newest first


def test_latin_words_and_full_width_forms_ignore_case(world: Any) -> None:
    p = file_proposal(
        world, title="关于推进５Ｇ网络建设的建议", body="在全市公共场所提供免费WiFi，COVID-19期间尤为重要。"
    )["id"]
    for q in ("wifi", "WIFI", "ＷｉＦｉ", "5g", "5G", "covid"):
        assert ids(world, q) == [p], q


def test_absent_words_and_empty_queries_find_nothing(world: Any) -> None:
    file_proposal(world, title="关于加强中小学课后服务的建议", body="课后服务全面推开。")
    for q in ("航天", "课前", "zzz", "，。！"):
        assert ids(world, q) == [], q
    assert ids(world, "课后") != []


def test_one_ideograph_finds_words_beginning_with_it(world: Any) -> None:
    p = file_proposal(world, title="关于保障粮食安全的建议", body="耕地保护。")["id"]
    file_proposal(world, title="关于另一件事的建议", body="无关内容。")
    assert ids(world, "粮") == [p]


def test_title_matches_rank_first_and_an_exact_title_before_them(world: Any) -> None:
    exact = file_proposal(world, title="垃圾分类", body="正文。")["id"]
    in_body = file_proposal(world, title="关于城市管理的建议", body="要做好垃圾分类工作。")["id"]
    in_title = file_proposal(world, title="关于推进垃圾分类的建议", body="正文。")["id"]
    newest_in_body = file_proposal(world, title="关于社区治理的建议", body="垃圾分类需要居民参与。")["id"]
    assert ids(world, "垃圾分类") == [exact, in_title, newest_in_body, in_body]


def test_a_very_common_word_is_listed_newest_first(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    in_title = file_proposal(world, title="关于推进垃圾分类的建议", body="正文。")["id"]
    in_body = file_proposal(world, title="关于城市管理的建议", body="要做好垃圾分类工作。")["id"]
    monkeypatch.setattr(query, "RANK_LIMIT", 1)  # more matches than are ranked
    assert ids(world, "垃圾分类") == [in_body, in_title]


def test_the_number_still_finds_a_proposal(world: Any) -> None:
    p = file_proposal(world, number="0427", title="关于一件事的建议", body="正文。")
    assert ids(world, "0427") == [p["id"]]


def test_reindexing_replaces_the_old_words(world: Any) -> None:
    p = file_proposal(world, title="关于旧标题的建议", body="正文。")["id"]
    Proposal.objects.filter(pk=p).update(title="关于新能源汽车的建议")  # e.g. a correction loaded in bulk
    row = Proposal.objects.get(pk=p)
    index.index_proposal(p, jurisdiction_id=row.jurisdiction_id, year=row.year, title=row.title, body=row.body)
    assert ids(world, "新能源") == [p]
    assert ids(world, "旧标题") == []
    assert Document.objects.filter(kind=Kind.PROPOSAL, object_id=p).count() == 1


def test_scoping_still_applies(world: Any) -> None:
    mine = file_proposal(world, title="关于学前教育的建议", body="增加幼儿园学位。")["id"]
    theirs = file_proposal(world, title="关于社区医疗的建议", body="增加幼儿园周边的卫生站。")["id"]
    assign(world, mine, [(world.jyj, "lead")])
    assign(world, theirs, [(world.wjw, "lead")])
    assert ids(world, "幼儿园") == [theirs, mine]
    assert ids(world, "幼儿园", world.jyj_handler) == [mine]
    assert ids(world, "卫生站", world.jyj_handler) == []
    assert ids(world, "幼儿园", world.xq_handler) == []  # another jurisdiction's unit


def _publish(world: Any, proposal_id: int, text: str, **reply: Any) -> int:
    lead = assign(world, proposal_id, [(world.jyj, "lead")])["assignments"][0]["id"]
    h, head = world.jyj_handler, world.jyj_head
    act(world, h, lead, "receive")
    act(world, h, lead, "submit-form", {"opinion": "拟办", "handler_id": h.pk})
    act(world, head, lead, "approve-form", {"approve": True})
    draft = {"text": text, "result_class": "A", "method": "written", "is_public": True,
             "contact_person": "王老师", "contact_phone": "13912345678", **reply}  # fmt: skip
    act(world, h, lead, "draft-reply", draft)
    act(world, head, lead, "sign-reply", {})
    return int(lead)


def test_a_public_reply_is_found_by_its_published_words_only(world: Any) -> None:
    p = file_proposal(world, title="关于课后服务的建议", body="提案正文里的托管费用。")["id"]
    assert public_ids(world, "课后服务") == []  # nothing published yet
    _publish(world, p, "我局将扩大课后服务覆盖面。\n联系人：王老师，电话：13912345678")
    assert public_ids(world, "课后服务") == [p]  # the title
    assert public_ids(world, "覆盖面") == [p]  # the letter
    for hidden in ("13912345678", "王老师", "托管费用"):  # a contact line the page hides; the proposal's body
        assert public_ids(world, hidden) == [], hidden
    private = file_proposal(world, title="关于不公开答复的建议", body="正文。")["id"]
    _publish(world, private, "不公开的答复覆盖面。", is_public=False)
    assert public_ids(world, "覆盖面") == [p]


def test_the_public_page_and_the_lists_highlight_the_words(world: Any) -> None:
    p = file_proposal(world, title="关于<教育>公平的建议", body="正文。")["id"]
    _publish(world, p, "推进教育公平。")
    page = Client().get("/public/", {"q": "教育"}).content.decode()
    assert "关于&lt;<mark>教育</mark>&gt;公平的建议" in page
    c = Client()
    c.force_login(world.office)
    listing = c.get("/proposals/", {"q": "教育 公平"}).content.decode()
    assert "关于&lt;<mark>教育</mark>&gt;<mark>公平</mark>的建议" in listing
    assert "<mark>" not in c.get("/proposals/").content.decode()


def test_rebuilding_gives_the_same_results(world: Any) -> None:
    a = file_proposal(world, title="关于智慧养老的建议", body="发展社区养老服务。")["id"]
    b = file_proposal(world, title="关于交通的建议", body="优化公交线路，发展智慧交通。")["id"]
    p = file_proposal(world, title="关于课后服务的建议", body="正文。")["id"]
    _publish(world, p, "课后服务覆盖面扩大。")
    before = (ids(world, "发展"), ids(world, "智慧"), public_ids(world, "覆盖面"))
    Document.objects.all().delete()
    assert ids(world, "发展") == []
    call_command("rebuild_search_index", workers=2, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert (ids(world, "发展"), ids(world, "智慧"), public_ids(world, "覆盖面")) == before == ([b, a], [a, b], [p])


# ---------------------------------------------------------------------------------------------------
# The same ids on every database: each is compared with a reference written in Python


def _reference(docs: dict[int, tuple[str, str]], q: str) -> list[int]:
    """Which documents match and in which order, by the rules of ``search.query`` computed here."""
    wanted = set(tokens.tokens(q))
    key = tokens.title_key(q)

    def rank(pk: int) -> tuple[int, int]:
        title = docs[pk][0]
        tier = 2 if tokens.title_key(title) == key else 1 if wanted <= set(tokens.tokens(title)) else 0
        return (-tier, -pk)

    found = [pk for pk, (t, b) in docs.items() if wanted and wanted <= set(tokens.tokens(t)) | set(tokens.tokens(b))]
    return sorted(found, key=rank)


def _corpus() -> list[tuple[str, str]]:
    if DATA.exists():
        with DATA.open(encoding="utf-8") as f:
            return [(r["title"], r["content"]) for r in list(csv.DictReader(f))[:60]]
    return [("关于发展乡村教育的建议", "发展乡村教育，提高教师待遇。"), ("关于公厕的建议", "完善城市公厕指引系统。"),
            ("关于养老的建议", "发展社区养老服务，推进医养结合。")]  # fmt: skip


QUERIES = ["发展", "教育", "乡村振兴", "养老服务", "公厕", "医养结合", "建议", "城市 交通", "5G", "人才", "航天器"]


def test_same_ids_as_the_reference(world: Any) -> None:
    docs = {}
    for i, (title, body) in enumerate(_corpus()):
        docs[file_proposal(world, number=f"R{i}", title=title[:500], body=body)["id"]] = (title[:500], body)
    for q in QUERIES:
        assert ids(world, q) == _reference(docs, q)[:200], q
