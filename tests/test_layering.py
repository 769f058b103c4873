"""The layering the README and ARCHITECTURE.md promise, checked on every module's imports
(static: the AST, so a lazy import inside a function counts too).

- ``schemas`` imports nothing of ours; ``keys`` only ``schemas``; ``verifier`` never ``issuer``;
  ``badge_definitions`` is a leaf.
- Flask only in ``*/web/``, ``*cli.py``, ``issuer/database.py``, ``issuer/jobs/`` (runs work
  inside the app), ``issuer/wallets/`` (one blueprint per wallet protocol, as ARCHITECTURE.md
  proposes) and ``wsgi.py``; SQLAlchemy only inside ``issuer/``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"schemas", "keys", "verifier", "issuer", "badge_definitions", "wsgi", "config"}
MAY_IMPORT = {
    "schemas": set(),
    "badge_definitions": set(),
    "keys": {"schemas"},
    "verifier": {"keys", "schemas", "badge_definitions"},
    "issuer": {"verifier", "keys", "schemas", "badge_definitions", "config", "wsgi"},
}


def _modules() -> list[Path]:
    return [
        path
        for package in MAY_IMPORT
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _flask_allowed(relative: Path) -> bool:
    parts = relative.parts
    return (
        "web" in parts
        or relative.name.endswith("cli.py")
        or relative.as_posix() in {"issuer/database.py"}
        or parts[:2] in {("issuer", "jobs"), ("issuer", "wallets")}
    )


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_imports_point_down_the_layers(path: Path):
    relative = path.relative_to(ROOT)
    package = relative.parts[0]
    for name in _imports(path):
        top = name.split(".")[0]
        if top in OURS and top != package:
            assert top in MAY_IMPORT[package], f"{relative} imports {name}"
        if top == "flask":
            assert _flask_allowed(relative), f"{relative} imports flask"
        if top == "sqlalchemy":
            assert package == "issuer", f"{relative} imports sqlalchemy"
