"""The operator's console (Django admin) through its real pages, as a superuser.

Every registered model's list and record render with data present; state and history are never changed
here (a POST to change an assignment or delete an event is 403 and changes nothing); what an action
exists for goes through it: deactivating a user revokes their API tokens, a password set here must be
replaced at the next sign-in, a user added here is created by ``create_user``, a proposal's flags change
with a history event.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib import admin
from django.db import models
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from conftest import Api, World, act, assign, file_proposal
from handling.models import Assignment
from handling.states import State
from history.models import Event
from notifications.models import Notification
from organisation.models import ApiToken, Department, Jurisdiction, Role, User
from proposals.models import Proposal, Session

OURS = {Jurisdiction, Department, User, ApiToken, Session, Proposal, Assignment, Event, Notification, AuditEntry}


class FormFields(HTMLParser):
    """The values a browser would submit from the page's main form (inputs, checked boxes, selections)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, Any] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data[name] = a.get("value", "on" if a.get("type") == "checkbox" else "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.data.setdefault(self._select, a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] += data


def form_of(client: Client, url: str) -> dict[str, Any]:
    resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    parser = FormFields()
    parser.feed(resp.content.decode())
    return parser.data


def url(model: type[models.Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def operator(world: World) -> Client:
    client = Client()
    client.force_login(world.admin)  # also writes an audit entry (login)
    return client


@pytest.fixture
def handled(world: World, django_capture_on_commit_callbacks: Any) -> Assignment:
    """A proposal assigned to 市教育局 and received: an assignment, its events, notifications sent."""
    with django_capture_on_commit_callbacks(execute=True):
        proposal = file_proposal(world)
        assign(world, proposal["id"], [(world.jyj, "lead")])
        assignment = Assignment.objects.get(proposal_id=proposal["id"])
        act(world, world.jyj_handler, assignment.pk, "receive")
    assignment.refresh_from_db()
    return assignment


def test_every_registered_model_lists_and_shows_its_records(
    world: World, operator: Client, handled: Assignment
) -> None:
    ApiToken.issue(world.jyj_handler)
    registered = set(admin.site._registry)
    assert registered >= OURS
    for model in OURS:
        assert model._default_manager.exists(), model  # data present: an empty list proves little
    for model in registered:
        resp = operator.get(url(model, "changelist"))
        assert resp.status_code == 200, model
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            resp = operator.get(url(model, "change", first.pk))
            assert resp.status_code == 200, model


def test_an_assignment_cannot_be_changed_nor_an_event_deleted(operator: Client, handled: Assignment) -> None:
    before = Event.objects.count()
    event = Event.objects.filter(assignment=handled).order_by("pk").first()
    assert event is not None
    page = operator.get(url(Assignment, "change", handled.pk))
    assert page.status_code == 200 and "已签收" in page.content.decode()

    changed = operator.post(url(Assignment, "change", handled.pk), {"state": State.CLOSED, "due_on": "2030-01-01"})
    assert changed.status_code == 403
    deleted = operator.post(url(Event, "delete", event.pk), {"post": "yes"})
    assert deleted.status_code == 403
    bulk = operator.post(url(Event, "changelist"), {"action": "delete_selected", "_selected_action": [event.pk],
                                                     "post": "yes"})  # fmt: skip
    assert bulk.status_code in (200, 302)
    also = operator.post(url(Assignment, "delete", handled.pk), {"post": "yes"})
    assert also.status_code == 403

    handled.refresh_from_db()
    assert handled.state == State.RECEIVED
    assert Event.objects.count() == before
    assert Event.objects.filter(pk=event.pk).exists()


def test_deactivating_a_user_revokes_their_api_token(
    world: World, operator: Client, security_events: list[dict[str, Any]]
) -> None:
    api = Api(world.jyj_handler)
    assert api.get("/me").status == 200

    resp = operator.post(
        url(User, "changelist"), {"action": "deactivate_selected", "_selected_action": [world.jyj_handler.pk]}
    )

    assert resp.status_code == 302
    world.jyj_handler.refresh_from_db()
    assert not world.jyj_handler.is_active
    assert api.get("/me").status == 401
    assert not ApiToken.objects.filter(user=world.jyj_handler).exists()
    kinds = [(e["kind"], e["user"]) for e in security_events]
    assert ("user_deactivated", world.jyj_handler) in kinds
    assert ("token_revoked", world.jyj_handler) in kinds


def test_the_operator_cannot_deactivate_themselves(world: World, operator: Client) -> None:
    operator.post(url(User, "changelist"), {"action": "deactivate_selected", "_selected_action": [world.admin.pk]})
    world.admin.refresh_from_db()
    assert world.admin.is_active


def test_a_password_set_by_the_operator_must_be_replaced(
    world: World, operator: Client, security_events: list[dict[str, Any]]
) -> None:
    api = Api(world.jyj_handler)
    password_url = reverse("admin:auth_user_password_change", args=[world.jyj_handler.pk])

    weak = operator.post(password_url, {"password1": "12345678", "password2": "12345678"})
    assert weak.status_code == 200  # the form again, with the password rules' messages
    world.jyj_handler.refresh_from_db()
    assert world.jyj_handler.check_password("demo-2026")

    resp = operator.post(password_url, {"password1": "Neues-Passwort-2026", "password2": "Neues-Passwort-2026"})

    assert resp.status_code == 302
    world.jyj_handler.refresh_from_db()
    assert world.jyj_handler.check_password("Neues-Passwort-2026")
    assert world.jyj_handler.must_change_password
    assert api.get("/me").status == 401
    changed = [e for e in security_events if e["kind"] == "password_changed"]
    assert changed and changed[0]["actor"] == world.admin and changed[0]["data"] == {"reset_by_other": True}


def test_a_user_added_here_is_created_by_the_action(
    world: World, operator: Client, security_events: list[dict[str, Any]]
) -> None:
    fields = {"username": "jyj_clerk", "password1": "Erstes-Passwort-2026", "password2": "Erstes-Passwort-2026",
              "name": "王经办", "role": Role.DEPT_HANDLER, "jurisdiction": world.city.pk}  # fmt: skip

    refused = operator.post(url(User, "add"), fields)  # a unit's handler without a unit
    assert refused.status_code == 200 and "承办单位人员须指定所在单位" in refused.content.decode()
    assert not User.objects.filter(username="jyj_clerk").exists()

    resp = operator.post(url(User, "add"), {**fields, "department": world.jyj.pk})

    assert resp.status_code == 302
    clerk = User.objects.get(username="jyj_clerk")
    assert (clerk.role, clerk.department, clerk.name) == (Role.DEPT_HANDLER, world.jyj, "王经办")
    assert clerk.must_change_password
    assert [e["user"] for e in security_events if e["kind"] == "user_created"] == [clerk]


def test_a_proposals_flags_change_through_the_action_and_nothing_else(world: World, operator: Client) -> None:
    proposal = Proposal.objects.get(pk=file_proposal(world)["id"])
    data = form_of(operator, url(Proposal, "change", proposal.pk))
    data.update({"is_key": "on", "status": "closed", "title": "改过的案由"})

    resp = operator.post(url(Proposal, "change", proposal.pk), data)

    assert resp.status_code == 302, resp.content.decode()[:2000]
    proposal.refresh_from_db()
    assert proposal.is_key
    assert (proposal.status, proposal.title) == ("registered", "关于加强中小学课后服务的建议")
    event = Event.objects.filter(proposal=proposal).order_by("pk").last()
    assert event is not None and (event.action, event.data, event.actor) == ("set_flags", {"is_key": True}, world.admin)


def test_a_jurisdiction_added_or_renamed_here_is_audited(world: World, operator: Client) -> None:
    resp = operator.post(url(Jurisdiction, "add"), {"name": "另一县", "parent": world.city.pk})

    assert resp.status_code == 302
    county = Jurisdiction.objects.get(name="另一县")
    assert county.parent == world.city
    assert AuditEntry.objects.filter(kind="jurisdiction_created", actor=world.admin).exists()

    data = form_of(operator, url(Jurisdiction, "change", county.pk))
    resp = operator.post(url(Jurisdiction, "change", county.pk), {**data, "name": "另一区"})

    assert resp.status_code == 302
    county.refresh_from_db()
    assert county.name == "另一区"
    entry = AuditEntry.objects.get(kind="jurisdiction_changed")
    assert (entry.data["before"]["name"], entry.data["after"]["name"]) == ("另一县", "另一区")


def test_a_holiday_changed_here_is_audited_and_marks_its_year(world: World, operator: Client) -> None:
    from workcalendar.models import CalendarDay, CalendarYear

    CalendarYear.objects.update_or_create(year=2031, defaults={"source": CalendarYear.Source.PACKAGE})
    resp = operator.post(url(CalendarDay, "add"), {"date": "2031-10-08", "name": "国庆节"})

    assert resp.status_code == 302
    assert CalendarYear.objects.get(year=2031).source == CalendarYear.Source.MANUAL
    entry = AuditEntry.objects.filter(kind="calendar_changed").get()
    assert (entry.actor, entry.data["year"], entry.data["via"]) == (world.admin, 2031, "admin")
