"""Set-up shared by the tests of this folder (from the module they were split from)."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from intake.parsers.message import ParsedMessage
from intake.parsers.mime import parse_email

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"


INTAKE = CORPUS / "intake"


WILD = CORPUS / "wild"


needs_corpus = pytest.mark.skipif(not INTAKE.is_dir(), reason="shared corpus not present")


def corpus_message(prefix: str) -> ParsedMessage:
    (path,) = INTAKE.glob(f"{prefix}-*.eml")
    return parse_email(path.read_bytes())


def built_message(body: str = "Hello", **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = headers.pop("From", "Pat Doe <Pat.Doe@Example.com>")
    msg["To"] = headers.pop("To", "intake@example.com")
    msg["Subject"] = headers.pop("Subject", "Test")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg
