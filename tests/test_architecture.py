"""The architecture, held by tests where import-linter cannot see: who writes the lifecycle's state.

An assignment's ``state`` and a proposal's ``status`` change only in ``handling/actions.py`` (through
``_move`` and the proposal roll-up), where role, unit and state are checked and the history event is
written in the same transaction. Any other write — an attribute assignment, a queryset ``update()``, a
``create(state=…)`` — would bypass all three, so this test reads every product module's syntax tree.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT_PACKAGES = [
    "api",
    "attachments",
    "audit",
    "config",
    "demo",
    "handling",
    "history",
    "lib",
    "notifications",
    "organisation",
    "proposals",
    "publications",
    "reports",
    "search",
    "spotchecks",
    "supervision",
    "web",
    "worker",
    "workcalendar",
]
LIFECYCLE_FIELDS = {"state", "status"}
WRITING_METHODS = {"update", "create", "get_or_create", "update_or_create", "bulk_update", "bulk_create"}
ALLOWED = {
    "handling/actions.py",
    # Each domain app's own records (a spot check's state, a circular's), through its own actions only.
    "spotchecks/actions.py",
    "supervision/actions.py",
    # IdempotencyRecord.status is the HTTP status of a stored response, not a lifecycle field.
    "api/http.py",
    # The bulk loader's in-memory plan of an assignment (not a model): its rows go in by COPY.
    "demo/scale/play.py",
}


def _product_modules() -> list[Path]:
    files = []
    for package in PRODUCT_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts:
                continue
            files.append(path)
    return files


def _writes(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr in LIFECYCLE_FIELDS:
                found.append((target.lineno, f"….{target.attr} = …"))
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in WRITING_METHODS:
                for kw in node.keywords:
                    if kw.arg in LIFECYCLE_FIELDS:
                        found.append((node.lineno, f".{func.attr}({kw.arg}=…)"))
            if isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) >= 2:
                name = node.args[1]
                if isinstance(name, ast.Constant) and name.value in LIFECYCLE_FIELDS:
                    found.append((node.lineno, f'setattr(…, "{name.value}", …)'))
    return found


def test_only_the_actions_write_state_and_status():
    offenders = []
    for path in _product_modules():
        relative = path.relative_to(ROOT).as_posix()
        if relative in ALLOWED:
            continue
        for line, what in _writes(ast.parse(path.read_text(encoding="utf-8"))):
            offenders.append(f"{relative}:{line}: {what}")
    assert offenders == [], "state/status written outside handling/actions.py:\n" + "\n".join(offenders)


def test_the_scan_sees_each_kind_of_write():
    # The scanner itself must catch what it is there to catch, or the test above could never fail.
    source = """
a.state = "closed"
Assignment.objects.filter(pk=1).update(state="closed")
Proposal.objects.create(status="closed")
setattr(p, "status", "closed")
p.title = "not a lifecycle field"
"""
    assert [what for _, what in _writes(ast.parse(source))] == [
        "….state = …",
        ".update(state=…)",
        ".create(status=…)",
        'setattr(…, "status", …)',
    ]
