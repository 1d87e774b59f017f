"""The package arrows of DESIGN.md, checked on the source: parsers and storage import no
other package of ours, handlers never imports bot (the only place with sockets); and every
import of ours goes through the `intake.` namespace the distribution installs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

OURS = {"bot", "parsers", "handlers", "storage"}
ALLOWED = {
    "parsers": {"parsers"},
    "storage": {"storage"},
    "handlers": {"handlers", "parsers", "storage"},
    "bot": OURS,
}
NETWORK = {"socket", "smtplib", "aiosmtpd", "imapclient", "slack_sdk", "slack_bolt", "requests"}


def modules_imported(path: Path) -> set[str]:
    """Every absolute module name the file imports, as written."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def imports_of(path: Path) -> set[str]:
    """The top-level packages a file imports, ours named without the `intake.` prefix."""
    found: set[str] = set()
    for name in modules_imported(path):
        parts = name.split(".")
        found.add(parts[1] if parts[0] == "intake" and len(parts) > 1 else parts[0])
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_follow_the_arrows(package: str) -> None:
    for path in (ROOT / package).rglob("*.py"):
        ours = imports_of(path) & OURS
        assert ours <= ALLOWED[package], (
            f"{path.relative_to(ROOT)} imports {ours - ALLOWED[package]}"
        )


@pytest.mark.parametrize("package", ["parsers", "handlers", "storage"])
def test_only_bot_touches_the_network(package: str) -> None:
    for path in (ROOT / package).rglob("*.py"):
        assert not imports_of(path) & NETWORK, path


@pytest.mark.parametrize("folder", ["bot", "parsers", "handlers", "storage", "tests", "bench"])
def test_ours_is_imported_only_through_the_namespace(folder: str) -> None:
    """A bare `import bot` would load a second copy of a module beside `intake.bot` (the
    repository root is on sys.path under pytest), with its own globals and classes."""
    for path in (ROOT / folder).rglob("*.py"):
        bare = {name for name in modules_imported(path) if name.split(".")[0] in OURS}
        assert not bare, f"{path.relative_to(ROOT)} imports {bare} outside intake."
