"""The package arrows of DESIGN.md, checked on the source: parsers and storage import no
other package of ours, handlers never imports bot (the only place with sockets)."""

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


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
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
