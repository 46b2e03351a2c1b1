"""The pages' forms and the commands they post to must not drift apart: same actions, same fields, same choices."""

from __future__ import annotations

import types
from typing import Any, Literal, Union, get_args, get_origin

import pydantic
import pytest

from handling.commands import COMMANDS
from handling.proposal_commands import PROPOSAL_COMMANDS
from web.action_forms import ASSIGNMENT_FORMS, PROPOSAL_FORMS, Field


def _bare(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _check(
    fields: tuple[Field, ...], schema: type[pydantic.BaseModel], where: str, buttons: frozenset[str] = frozenset()
) -> None:
    drawn = {f.name: f for f in fields}
    posted = set(drawn) | buttons  # a decision is posted by the button pressed (approve=true/false)
    assert posted <= set(schema.model_fields), (where, posted - set(schema.model_fields))
    required = {n for n, info in schema.model_fields.items() if info.is_required()}
    assert required <= posted, (where, "required but not on the form", required - posted)
    for name in buttons:
        assert _bare(schema.model_fields[name].annotation) is bool, (where, name)
    for name, f in drawn.items():
        annotation = _bare(schema.model_fields[name].annotation)
        if f.kind == "rows":
            (item,) = get_args(annotation)
            _check(f.columns, item, f"{where}.{name}")
        elif f.kind in ("select", "radio") and get_origin(annotation) is Literal:
            assert {c for c, _ in f.choices} == set(get_args(annotation)), (where, name)
        elif f.kind == "checkbox":
            assert annotation is bool, (where, name)


def test_every_assignment_action_has_a_form_and_every_form_an_action() -> None:
    assert set(ASSIGNMENT_FORMS) == set(COMMANDS)


@pytest.mark.parametrize("action", sorted(COMMANDS))
def test_assignment_forms_post_the_commands_fields(action: str) -> None:
    form = ASSIGNMENT_FORMS[action]
    _check(form.fields, COMMANDS[action].schema, action, frozenset(b.name for b in form.buttons if b.value))


@pytest.mark.parametrize("name", sorted(PROPOSAL_FORMS))
def test_proposal_forms_post_the_commands_fields(name: str) -> None:
    assert set(PROPOSAL_FORMS) == set(PROPOSAL_COMMANDS)
    form = PROPOSAL_FORMS[name]
    _check(form.fields, PROPOSAL_COMMANDS[name].schema, name, frozenset(b.name for b in form.buttons if b.value))
