"""`intake extract FILE.eml`: what would be read from one message, checked against the
labels of the corpus (../shared/corpus/intake/NNN-*.json), without any database."""

from __future__ import annotations

import json
import re
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner

from intake.bot.cli import main

# Compared by token overlap in the corpus README; every other field has one normal form.
TEXT_FIELDS = {"product_specs", "special_instructions", "description", "site_address"}
# Labelled new requests: quotes with everything, quotes with fields missing, service.
MESSAGES = [
    "001-ridgeline-numbered-six-items",
    "007-aspen-oak-missing-factor-close",
    "003-whitfield-foggy-units",
]


@pytest.fixture
def config(corpus: Path, tmp_path: Path) -> Path:
    """Settings naming the corpus organisation and a database that must never be created."""
    cfg = tmp_path / "intake.toml"
    cfg.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path}/db/never.db"\n'
        f'[bot]\norg = "{corpus / "org.toml"}"\n'
    )
    return cfg


def run(config: Path, *args: str):
    return CliRunner().invoke(main, ["--config", str(config), "extract", *args])


def label_of(corpus: Path, name: str) -> dict:
    return json.loads((corpus / "intake" / f"{name}.json").read_text(encoding="utf-8"))


def tokens(text: str) -> set[str]:
    return set(re.findall(r"\w+", str(text).casefold()))


@pytest.mark.parametrize("name", MESSAGES)
def test_json_matches_the_corpus_label(corpus: Path, config: Path, name: str) -> None:
    label = label_of(corpus, name)
    assert label["action"] == "new_case"  # extract reads a message as a new request
    done = run(config, "--json", str(corpus / "intake" / f"{name}.eml"))
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert set(report) == {"queue", "fields", "missing"}
    assert report["queue"] == label["queue"]
    assert report["missing"] == label["missing"]
    assert label["fields"], name
    for field, want in label["fields"].items():
        got = report["fields"].get(field)
        assert got is not None, f"{name}: {field} not extracted"
        assert 0 < got["confidence"] <= 1 and got["source"]
        if field in TEXT_FIELDS:
            overlap = len(tokens(want) & tokens(got["value"])) / len(tokens(want))
            assert overlap >= 0.6, (field, want, got["value"])
        else:
            assert got["value"] == want, (field, want, got["value"])
    assert (config.parent / "db").exists() is False  # no database was opened or created


@pytest.mark.parametrize("name", MESSAGES)
def test_table_shows_fields_and_missing(corpus: Path, config: Path, name: str) -> None:
    label = label_of(corpus, name)
    done = run(config, str(corpus / "intake" / f"{name}.eml"))
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"queue: {label['queue']} ")
    header = next(line for line in lines if line.startswith("field"))
    assert header.split() == ["field", "value", "confidence", "source"]
    for field, want in label["fields"].items():
        if field in TEXT_FIELDS:
            continue
        row = next((line for line in lines if line.split()[:1] == [field]), None)
        assert row is not None, (field, done.stdout)
        shown = ", ".join(want) if isinstance(want, list) else want
        assert shown in row, (field, row)
        assert re.search(r"\s(0\.\d\d|1\.00)\s", row), row  # the confidence column
    assert lines[-1] == "missing: " + (", ".join(label["missing"]) or "none")


def write_mail(path: Path, to: str, body: str, headers: dict[str, str] | None = None) -> Path:
    msg = EmailMessage()
    msg["From"] = "Pat Homeowner <pat@example.net>"
    msg["To"] = to
    msg["Subject"] = "Foggy window"
    msg["Date"] = "Mon, 02 Nov 2026 10:00:00 -0700"
    for k, v in (headers or {}).items():
        msg[k] = v
    msg.set_content(body)
    path.write_bytes(msg.as_bytes())
    return path


SERVICE_BODY = "Name: Pat Homeowner\nPhone: 403-555-0188\nAddress: 12 Elm Street, Calgary AB\n"


def test_queue_option_applies_when_no_mailbox_is_addressed(config: Path, tmp_path: Path) -> None:
    eml = write_mail(tmp_path / "m.eml", "someone@example.org", SERVICE_BODY)
    as_service = json.loads(run(config, "--json", "--queue", "service", str(eml)).stdout)
    assert as_service["queue"] == "service"
    assert as_service["fields"]["contact_phone"]["value"] == "+14035550188"
    assert as_service["missing"] == ["description"]
    default = json.loads(run(config, "--json", str(eml)).stdout)
    assert default["queue"] == "quotes"
    assert "contact_phone" not in default["fields"]


def test_delivered_to_routes_like_the_pipeline(config: Path, tmp_path: Path) -> None:
    """An alias in To: and our mailbox in Delivered-To: is routed by Delivered-To, and the
    mailbox wins over --queue (which only says what to do when none matches)."""
    eml = write_mail(
        tmp_path / "m.eml",
        "service-alias@example.org",
        SERVICE_BODY,
        headers={"Delivered-To": "connectyou@example.com"},
    )
    done = run(config, "--json", "--queue", "quotes", str(eml))
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["queue"] == "service"
    assert "connectyou@example.com feeds the service queue" in done.stderr


def test_missing_file_is_one_clear_line(config: Path, tmp_path: Path) -> None:
    done = run(config, str(tmp_path / "nope.eml"))
    assert done.exit_code != 0
    assert "Traceback" not in done.output
    (line,) = done.output.strip().splitlines()
    assert "nope.eml" in line and "cannot read" in line


@pytest.mark.parametrize("content", [b"", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", b'{"action": "x"}\n'])
def test_not_an_email_is_one_clear_line(config: Path, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "not-mail.eml"
    path.write_bytes(content)
    done = run(config, str(path))
    assert done.exit_code != 0
    assert done.exception is None or isinstance(done.exception, SystemExit)
    (line,) = done.output.strip().splitlines()
    assert "not an email" in line
