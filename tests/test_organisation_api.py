"""Organisation endpoints (api.md "Organisation"): jurisdictions and their rules, units, users, and the
holiday calendar the deadlines are counted on."""

from __future__ import annotations

import re

import pytest
import time_machine

from conftest import Api, assign, file_proposal
from organisation.models import User

CJK = re.compile(r"[\u4e00-\u9fff]")

DEFAULT_RULES = {
    "reply_months": 3,
    "max_extension_months": 6,
    "return_window_days": 10,
    "return_window_working": False,
    "co_opinion_months": 1,
    "self_check_months": 1,
    "rehandle_months": 1,
    "feedback_days": 15,
    "deadline_rolls_to_workday": True,
}


# --------------------------------------------------------------------------------------------------
# Jurisdictions


def test_superuser_creates_jurisdictions_with_default_rules(world):
    admin = world.api(world.admin)
    prov = admin.post("/jurisdictions", {"name": "示例省"})
    assert prov.status == 201, prov.data
    assert isinstance(prov.data["id"], int) and prov.data["name"] == "示例省" and prov.data["parent_id"] is None
    assert prov.data["rules"] == DEFAULT_RULES
    city = admin.post("/jurisdictions", {"name": "另一市", "parent_id": prov.data["id"]})
    assert city.status == 201 and city.data["parent_id"] == prov.data["id"]

    shown = world.api(world.office).get(f"/jurisdictions/{world.city.pk}")
    assert shown.status == 200
    assert shown.data["name"] == "示例市" and shown.data["rules"] == DEFAULT_RULES
    assert world.api(world.office).get("/jurisdictions/987654").status == 404


@pytest.mark.parametrize("username", ["office", "cppcc", "mayor", "jyj_head", "member1"])
def test_only_a_superuser_creates_jurisdictions(world, username):
    resp = world.api(User.objects.get(username=username)).post("/jurisdictions", {"name": "擅自新建的区"})
    assert (resp.status, resp.error_code) == (403, "forbidden")


def test_bad_jurisdiction_bodies_are_400(world):
    admin = world.api(world.admin)
    for body in ({}, {"name": ""}, {"name": 5}, {"name": "区", "parent_id": "city"}, {"name": "区", "extra": 1}):
        resp = admin.post("/jurisdictions", body)
        assert (resp.status, resp.error_code) == (400, "invalid"), body


def test_office_patches_its_own_rules_partially(world):
    office = world.api(world.office)
    resp = office.patch(f"/jurisdictions/{world.city.pk}", {"rules": {"reply_months": 2}})
    assert resp.status == 200, resp.data
    assert resp.data["rules"] == {**DEFAULT_RULES, "reply_months": 2}

    resp = office.patch(
        f"/jurisdictions/{world.city.pk}", {"rules": {"return_window_working": True, "return_window_days": 5}}
    )
    assert resp.status == 200
    expected = {**DEFAULT_RULES, "reply_months": 2, "return_window_working": True, "return_window_days": 5}
    assert resp.data["rules"] == expected

    resp = office.patch(f"/jurisdictions/{world.city.pk}", {"name": "示例市（新）"})
    assert resp.status == 200 and resp.data["name"] == "示例市（新）" and resp.data["rules"] == expected
    shown = office.get(f"/jurisdictions/{world.city.pk}").data
    assert shown["rules"] == expected and shown["name"] == "示例市（新）"
    # The county's rules are its own.
    assert office.get(f"/jurisdictions/{world.county.pk}").data["rules"] == DEFAULT_RULES

    county = world.api(world.county_office).patch(
        f"/jurisdictions/{world.county.pk}", {"rules": {"co_opinion_months": 2}}
    )
    assert county.status == 200 and county.data["rules"]["co_opinion_months"] == 2

    admin = world.api(world.admin).patch(f"/jurisdictions/{world.county.pk}", {"rules": {"self_check_months": 2}})
    assert admin.status == 200
    assert admin.data["rules"] == {**DEFAULT_RULES, "co_opinion_months": 2, "self_check_months": 2}


@pytest.mark.parametrize(
    "username,target",
    [
        ("county_office", "city"),  # an office of another jurisdiction
        ("office", "county"),  # the office of the jurisdiction above is not that jurisdiction's office
        ("cppcc", "city"),
        ("mayor", "city"),
        ("jyj_head", "city"),
        ("member1", "city"),
    ],
)
def test_others_may_not_patch_a_jurisdiction(world, username, target):
    jurisdiction = getattr(world, target)
    resp = world.api(User.objects.get(username=username)).patch(
        f"/jurisdictions/{jurisdiction.pk}", {"name": "改名", "rules": {"reply_months": 1}}
    )
    assert (resp.status, resp.error_code) == (403, "forbidden"), resp.data
    shown = world.api(world.admin).get(f"/jurisdictions/{jurisdiction.pk}").data
    assert shown["rules"] == DEFAULT_RULES and shown["name"] != "改名"


@pytest.mark.parametrize(
    "rules",
    [
        {"reply_months": 0},
        {"reply_months": "three"},
        {"reply_months": -1},
        {"no_such_rule": 1},
        {"return_window_working": "sometimes"},
        {"max_extension_months": 10**30},
    ],  # fmt: skip
)
def test_bad_rules_are_400(world, rules):
    resp = world.api(world.office).patch(f"/jurisdictions/{world.city.pk}", {"rules": rules})
    assert (resp.status, resp.error_code) == (400, "invalid"), resp.data
    assert world.api(world.office).get(f"/jurisdictions/{world.city.pk}").data["rules"] == DEFAULT_RULES


@time_machine.travel("2026-03-02 09:00 +0800", tick=False)
def test_new_rules_apply_to_new_assignments_only(world):
    before = assign(world, file_proposal(world)["id"], [(world.jyj, "lead")])["assignments"][0]
    assert before["due_on"] == "2026-06-02"
    resp = world.api(world.office).patch(f"/jurisdictions/{world.city.pk}", {"rules": {"reply_months": 2}})
    assert resp.status == 200
    after = assign(world, file_proposal(world)["id"], [(world.jyj, "lead")])["assignments"][0]
    assert after["due_on"] == "2026-05-06"  # 2026-05-02 is in the May Day holiday; the next workday is the 6th
    again = world.api(world.office).get(f"/proposals/{before['proposal_id']}").data["assignments"][0]
    assert again["due_on"] == "2026-06-02"


# --------------------------------------------------------------------------------------------------
# Departments


def test_office_creates_departments_in_its_jurisdiction(world):
    body = {
        "name": "市民政局",
        "jurisdiction_id": world.city.pk,
        "short_name": "民政局",
        "duties": "负责社会救助、养老服务。",
    }
    resp = world.api(world.office).post("/departments", body)
    assert resp.status == 201, resp.data
    assert isinstance(resp.data["id"], int)
    assert {k: resp.data[k] for k in body} == body

    admin = world.api(world.admin).post("/departments", {"name": "示例县民政局", "jurisdiction_id": world.county.pk})
    assert admin.status == 201
    county = world.api(world.county_office).post(
        "/departments", {"name": "示例县卫健局", "jurisdiction_id": world.county.pk}
    )
    assert county.status == 201

    listed = world.api(world.member1).get("/departments", jurisdiction=world.city.pk, page_size=200)
    assert listed.status == 200
    assert {d["name"] for d in listed.data["items"]} == {
        "市教育局",
        "市卫生健康委员会",
        "市住房和城乡建设局",
        "市民政局",
    }
    assert listed.data["total"] == 4
    county_list = world.api(world.jyj_handler).get("/departments", jurisdiction=world.county.pk, page_size=200)
    assert {d["name"] for d in county_list.data["items"]} == {"示例县教育局", "示例县民政局", "示例县卫健局"}
    everything = world.api(world.mayor).get("/departments", page_size=200)
    assert everything.data["total"] == 7
    assert Api().get("/departments").status == 401


@pytest.mark.parametrize("username", ["cppcc", "mayor", "jyj_head", "jyj_handler", "member1"])
def test_only_office_and_superuser_create_departments(world, username):
    resp = world.api(User.objects.get(username=username)).post(
        "/departments", {"name": "市民政局", "jurisdiction_id": world.city.pk}
    )
    assert (resp.status, resp.error_code) == (403, "forbidden")


def test_bad_department_bodies(world):
    office = world.api(world.office)
    city = world.city.pk
    bad = [{}, {"name": "市民政局"}, {"jurisdiction_id": city}, {"name": "", "jurisdiction_id": city},
           {"name": "市民政局", "jurisdiction_id": "city"}]  # fmt: skip
    for body in bad:
        resp = office.post("/departments", body)
        assert (resp.status, resp.error_code) == (400, "invalid"), body
    resp = office.post("/departments", {"name": "市民政局", "jurisdiction_id": 987654})
    assert (resp.status, resp.error_code) == (400, "invalid"), resp.data


# --------------------------------------------------------------------------------------------------
# Users


def _user_body(world, **overrides):
    body = {
        "username": "mzj_handler",
        "password": "Start-2026!",
        "name": "民政局经办人",
        "role": "dept_handler",
        "jurisdiction_id": world.city.pk,
        "department_id": world.jyj.pk,
        "phone": "0512-1111111",
        "email": "handler@example.com",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def test_office_creates_a_unit_user_who_can_sign_in(world):
    resp = world.api(world.office).post("/users", _user_body(world))
    assert resp.status == 201, resp.data
    assert isinstance(resp.data["id"], int)
    assert resp.data["username"] == "mzj_handler" and resp.data["role"] == "dept_handler"
    assert resp.data["department_id"] == world.jyj.pk and resp.data["jurisdiction_id"] == world.city.pk
    assert "password" not in resp.data

    token = Api().post("/auth/token", {"username": "mzj_handler", "password": "Start-2026!"})
    assert token.status == 200
    me = Api()
    me.headers["Authorization"] = f"Bearer {token.data['token']}"
    # The office chose the password: it must be replaced first (tests/test_passwords.py).
    assert me.get("/me").error_code == "password_change_required"
    changed = me.post("/auth/password", {"old_password": "Start-2026!", "new_password": "Mine-2026-abc"})
    me.headers["Authorization"] = f"Bearer {changed.data['token']}"
    shown = me.get("/me").data
    assert (shown["role"], shown["department_id"], shown["name"]) == ("dept_handler", world.jyj.pk, "民政局经办人")


@pytest.mark.parametrize("role", ["dept_head", "dept_leader", "dept_handler"])
def test_unit_roles_need_a_department(world, role):
    resp = world.api(world.office).post("/users", _user_body(world, role=role, department_id=None))
    assert (resp.status, resp.error_code) == (400, "invalid"), resp.data
    assert not User.objects.filter(username="mzj_handler").exists()


@time_machine.travel("2026-03-02 09:00 +0800", tick=False)
def test_gov_leader_with_charged_departments(world):
    body = _user_body(world, username="vicemayor2", role="gov_leader", name="副市长乙", department_id=None,
                      charged_department_ids=[world.wjw.pk, world.zjj.pk])  # fmt: skip
    resp = world.api(world.office).post("/users", body)
    assert resp.status == 201, resp.data
    assert sorted(resp.data["charged_department_ids"]) == sorted([world.wjw.pk, world.zjj.pk])

    # The units in their charge decide what they see.
    p_wjw = file_proposal(world)["id"]
    assign(world, p_wjw, [(world.wjw, "lead")])
    p_jyj = file_proposal(world)["id"]
    assign(world, p_jyj, [(world.jyj, "lead")])
    User.objects.filter(username="vicemayor2").update(must_change_password=False)  # as after the first change
    leader = Api(User.objects.get(username="vicemayor2"))
    assert {p["id"] for p in leader.get("/proposals").data["items"]} == {p_wjw}
    assert leader.get(f"/proposals/{p_jyj}").status == 404


def test_duplicate_username_is_422(world):
    office = world.api(world.office)
    assert office.post("/users", _user_body(world)).status == 201
    resp = office.post("/users", _user_body(world, name="另一个人"))
    assert resp.status == 422, resp.data
    assert CJK.search(resp.data["error"]["message"])
    resp = office.post("/users", _user_body(world, username="jyj_head", role="member", department_id=None))
    assert resp.status == 422
    assert User.objects.filter(username="mzj_handler").count() == 1


@pytest.mark.parametrize(
    "overrides",
    [
        {"role": "king"},
        {"role": None},
        {"password": None},
        {"username": None},
        {"username": ""},
        {"jurisdiction_id": None},
        {"department_id": "jyj"},
        {"charged_department_ids": "all"},
        {"unknown": 1},
    ],  # fmt: skip
)
def test_bad_user_bodies_are_400(world, overrides):
    resp = world.api(world.office).post("/users", _user_body(world, **overrides))
    assert (resp.status, resp.error_code) == (400, "invalid"), resp.data


@pytest.mark.parametrize("username", ["cppcc", "mayor", "jyj_head", "member1"])
def test_only_office_and_superuser_create_users(world, username):
    resp = world.api(User.objects.get(username=username)).post("/users", _user_body(world))
    assert (resp.status, resp.error_code) == (403, "forbidden")
    assert not User.objects.filter(username="mzj_handler").exists()


# --------------------------------------------------------------------------------------------------
# The holiday calendar

SPRING_FESTIVAL_2027 = [{"date": f"2027-02-{day:02d}", "is_workday": False, "name": "春节"} for day in range(5, 12)] + [
    {"date": "2027-02-20", "is_workday": True, "name": "春节调休上班"}
]


def test_calendar_of_a_known_year(world):
    resp = world.api(world.member1).get("/calendar/2026")
    assert resp.status == 200
    assert resp.data["year"] == 2026 and resp.data["known"] is True and not resp.data["warning"]
    national_day = [d for d in resp.data["days"] if d["date"] == "2026-10-01"]
    assert national_day and "国庆" in national_day[0]["name"] and national_day[0]["is_workday"] is False
    assert any(d["is_workday"] for d in resp.data["days"])  # make-up workdays are listed too


def test_calendar_of_an_unknown_year_warns_in_chinese(world):
    resp = world.api(world.office).get("/calendar/2027")
    assert resp.status == 200
    assert resp.data["known"] is False and resp.data["days"] == []
    assert resp.data["warning"] and CJK.search(resp.data["warning"]) and "2027" in resp.data["warning"]


def test_office_enters_a_year(world):
    office = world.api(world.office)
    resp = office.put("/calendar/2027", {"days": SPRING_FESTIVAL_2027, "note": "国办发明电〔2026〕X号"})
    assert resp.status == 200, resp.data
    assert resp.data["known"] is True and not resp.data["warning"]
    assert [d["date"] for d in resp.data["days"]] == [d["date"] for d in SPRING_FESTIVAL_2027]

    shown = world.api(world.member1).get("/calendar/2027").data
    assert shown["known"] is True and len(shown["days"]) == 8
    assert next(d for d in shown["days"] if d["date"] == "2027-02-20")["is_workday"] is True


@pytest.mark.parametrize("username", ["member1", "cppcc", "jyj_head", "mayor"])
def test_only_the_office_enters_a_year(world, username):
    resp = world.api(User.objects.get(username=username)).put("/calendar/2027", {"days": SPRING_FESTIVAL_2027})
    assert (resp.status, resp.error_code) == (403, "forbidden")
    assert world.api(world.office).get("/calendar/2027").data["known"] is False


@pytest.mark.parametrize(
    "days",
    [
        [{"date": "2026-12-31", "is_workday": False, "name": "元旦"}],
        [{"date": "2028-01-01", "is_workday": False, "name": "元旦"}],
        [{"date": "2027-02-30", "is_workday": False, "name": "春节"}],
        [{"date": "2027-02-05", "is_workday": "maybe", "name": "春节"}],
        [{"date": "2027-02-05", "is_workday": False, "name": ""}],
        [{"date": "2027-02-05", "is_workday": False}],
        "2027-02-05",
    ],
)
def test_bad_calendar_entries_are_400(world, days):
    resp = world.api(world.office).put("/calendar/2027", {"days": days})
    assert (resp.status, resp.error_code) == (400, "invalid"), resp.data
    assert world.api(world.office).get("/calendar/2027").data["known"] is False


def test_due_dates_count_a_newly_entered_year(world):
    with time_machine.travel("2026-11-10 09:00 +0800", tick=False):
        early = assign(world, file_proposal(world)["id"], [(world.jyj, "lead")], assigned_on="2026-11-08")
        # 2027 is unknown: three months later is Monday 2027-02-08, a workday by weekends only.
        assert early["assignments"][0]["due_on"] == "2027-02-08"

        resp = world.api(world.office).put("/calendar/2027", {"days": SPRING_FESTIVAL_2027})
        assert resp.status == 200

        late = assign(world, file_proposal(world)["id"], [(world.jyj, "lead")], assigned_on="2026-11-08")
        # Now 2027-02-08 falls in the Spring Festival holiday (5th–11th): the deadline rolls to the 12th.
        assert late["assignments"][0]["due_on"] == "2027-02-12"
