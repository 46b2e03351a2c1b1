"""The pages build their links from the URL names (``reverse()``, ``{% url %}``), never from written paths:
a path moved in one ``urlpatterns`` then moves every link to it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

WEB = Path(__file__).resolve().parent.parent
PREFIXES = (
    "/office/", "/unit/", "/leader/", "/cppcc/", "/my/", "/public/", "/proposals/", "/assignments/",
    "/notifications/", "/login/", "/logout/", "/account/", "/audit/", "/admin/", "/api/v1/",
)  # fmt: skip
TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.DOTALL)
QUOTED_PATH = re.compile(r"""["'](/[^"'\s]*)""")


def _python_files() -> list[Path]:
    return sorted(p for p in WEB.rglob("*.py") if "tests" not in p.relative_to(WEB).parts)


def _skipped(tree: ast.AST) -> set[int]:
    """Docstrings (a string standing as a statement) and the patterns of ``path()`` themselves."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            skipped.add(id(node.value))
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("path", "re_path") and node.args:
            skipped.add(id(node.args[0]))
    return skipped


def written_paths_in_python(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    skipped = _skipped(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped or not isinstance(node, ast.Constant) or not isinstance(node.value, str):
            continue
        if node.value.startswith(PREFIXES):
            found.append((node.lineno, node.value))
    return found


def written_paths_in_template(source: str) -> list[tuple[int, str]]:
    found = []
    for n, line in enumerate(TEMPLATE_COMMENT.sub(lambda m: "\n" * m.group().count("\n"), source).splitlines(), 1):
        found += [(n, m) for m in QUOTED_PATH.findall(line) if m.startswith(PREFIXES)]
    return found


def test_the_scan_finds_written_paths() -> None:
    """The checks below would not pass by seeing nothing."""
    python = (
        'x = f"/assignments/{a.pk}/"\nredirect("/office/#remind")\npath("office/", v)\n"""/office/ in a docstring"""'
    )
    assert [v for _, v in written_paths_in_python(python)] == ["/assignments/", "/office/#remind"]
    template = """<a href="/proposals/{{ p.pk }}/">{# "/my/" #}{% if request.path == '/cppcc/' %}{% url 'x' %}"""
    assert [v for _, v in written_paths_in_template(template)] == ["/proposals/{{", "/cppcc/"]


def test_python_builds_no_page_path_by_hand() -> None:
    found = [
        f"{p.relative_to(WEB)}:{line}: {value}"
        for p in _python_files()
        for line, value in written_paths_in_python(p.read_text(encoding="utf-8"))
    ]
    assert found == [], "paths written by hand; use reverse() or web/links.py:\n" + "\n".join(found)


def test_templates_build_no_page_path_by_hand() -> None:
    found = [
        f"{p.relative_to(WEB)}:{line}: {value}"
        for p in sorted((WEB / "templates").rglob("*.html"))
        for line, value in written_paths_in_template(p.read_text(encoding="utf-8"))
    ]
    assert found == [], "paths written by hand; use {% url %}:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("name", "args", "path"),
    [
        ("home", [], "/"),
        ("office-section", ["pending"], "/office/pending/"),
        ("lockouts", [], "/office/lockouts/"),
        ("member-proposal", [7], "/my/7/"),
        ("assignment-action", [3, "draft-reply"], "/assignments/3/draft-reply/"),
        ("proposal-action", [5, "assign"], "/proposals/5/assign/"),
        ("api:openapi-view", [], "/api/v1/docs"),
        ("admin:index", [], "/admin/"),
    ],
)
def test_the_names_give_the_paths_pages_and_tests_know(name: str, args: list[object], path: str) -> None:
    assert reverse(name, args=args) == path


@pytest.mark.django_db
def test_front_page_links_by_name(client: Client) -> None:
    html = client.get("/").content.decode()
    for href in ('href="/login/"', 'href="/public/"', 'href="/api/v1/docs"', 'href="/admin/"'):
        assert href in html
