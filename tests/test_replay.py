"""Replay of the labelled corpus and the wild corpus through the real `intake` command."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import CORPUS, ROOT, SHARED

pytestmark = pytest.mark.slow


def intake(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "intake.bot.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def figures(score_output: str) -> dict[str, float]:
    last = score_output.strip().splitlines()[-1]
    return {k: float(v) for k, v in (pair.split("=") for pair in last.split())}


@dataclass
class Replayed:
    """One `intake replay` of the labelled corpus and everything it left behind."""

    done: subprocess.CompletedProcess[str]
    report: Path
    outbox: Path
    database_url: str


@pytest.fixture(scope="module")
def labelled_replay(tmp_path_factory: pytest.TempPathFactory) -> Replayed:
    """The labelled corpus replayed once for the module, its report, replies and database
    all kept: the scores and the cases commands read the same run, and a replay of the
    whole corpus takes a quarter of a minute or more."""
    if not (CORPUS / "intake").is_dir():
        pytest.skip("shared corpus not present beside the project")
    folder = tmp_path_factory.mktemp("labelled")
    report, outbox, url = folder / "r.jsonl", folder / "outbox", f"sqlite:///{folder}/c.db"
    done = intake(
        "replay", str(CORPUS / "intake"), "--report", str(report), "--outbox", str(outbox),
        "--database", url,
    )  # fmt: skip
    return Replayed(done, report, outbox, url)


def test_labelled_corpus_scores(corpus: Path, labelled_replay: Replayed) -> None:
    done, report, outbox = labelled_replay.done, labelled_replay.report, labelled_replay.outbox
    assert done.returncode == 0, done.stderr[-2000:]
    lines = report.read_text().splitlines()
    assert len(lines) == len(list((corpus / "intake").glob("*.eml")))
    score = subprocess.run(
        [sys.executable, str(SHARED / "tools" / "score.py"), str(corpus / "intake"), str(report)],
        capture_output=True,
        text=True,
        check=False,
    )
    got = figures(score.stdout)
    assert got["action"] >= 0.95, score.stdout
    assert got["autoreply"] >= 0.95, score.stdout
    assert got["thread"] == 1.0, score.stdout
    assert got["field_f1"] >= 0.95 and got["missing"] >= 0.95, score.stdout
    # every reply the bot wrote was captured, none was sent
    records = [json.loads(line) for line in lines]
    assert len(list(outbox.glob("*.eml"))) == sum(len(r["replies"]) for r in records)


@pytest.mark.parametrize("name", ["heldout", "heldout2"])
def test_sets_written_blind_keep_their_scores(name: str, corpus: Path, tmp_path: Path) -> None:
    """The two sets written blind to the extractor (fixtures/heldout*): their first, blind
    scores are in the commit log (field_f1 0.838 and 0.914); since tuned against, they guard
    the general forms they taught from coming undone. (`corpus`: skipped, not failed, where
    the shared folder with score.py is not beside the project.)"""
    folder = ROOT / "fixtures" / name
    report = tmp_path / "not-yet" / "r.jsonl"  # the report's folder is made, as var/ is
    done = intake("replay", str(folder), "--report", str(report), "-q")
    assert done.returncode == 0, done.stderr[-2000:]
    score = subprocess.run(
        [sys.executable, str(SHARED / "tools" / "score.py"), str(folder), str(report)],
        capture_output=True,
        text=True,
        check=False,
    )
    got = figures(score.stdout)
    assert got["action"] == 1.0 and got["thread"] == 1.0, score.stdout
    assert got["field_f1"] >= 0.95 and got["missing"] >= 0.95, score.stdout


@pytest.mark.parametrize("mailbox", ["connectyou@example.com", "accountteam@example.com"])
def test_every_wild_message_is_stored_and_reported(
    corpus: Path, tmp_path: Path, mailbox: str
) -> None:
    """Real-world mail from other projects' test suites, delivered to one of our mailboxes
    (service: anyone may write; quotes: company senders only), goes all the way through."""
    report = tmp_path / "wild.jsonl"
    db = tmp_path / "wild.db"
    url = f"sqlite:///{db}"
    done = intake(
        "replay", str(corpus / "wild"), "--to", mailbox, "--report", str(report), "--database", url
    )
    assert done.returncode == 0, done.stderr[-2000:]
    files = sorted(p.name for p in (corpus / "wild").glob("*.eml"))
    records = [json.loads(line) for line in report.read_text().splitlines()]
    assert [r["file"] for r in records] == files
    errors = [r for r in records if r["action"] == "error"]
    assert errors == [], errors[:3]
    import sqlite3

    with sqlite3.connect(db) as conn:
        stored = conn.execute("select count(*) from inbound_messages").fetchone()[0]
        unfinished = conn.execute(
            "select count(*) from inbound_messages where state != 'done'"
        ).fetchone()[0]
    assert stored == len(files) and unfinished == 0
    outcomes = {r["action"] for r in records}
    assert "new_case" in outcomes and "ignore" in outcomes
    for r in records:  # nothing automatic is ever answered
        if r["action"] == "ignore":
            assert r["replies"] == [], r


def test_cases_list_and_show(labelled_replay: Replayed, tmp_path: Path) -> None:
    url = labelled_replay.database_url
    assert labelled_replay.done.returncode == 0
    env_cfg = tmp_path / "intake.toml"
    env_cfg.write_text(f'[database]\nurl = "{url}"\n')
    listing = intake("--config", str(env_cfg), "cases", "list", "--json")
    assert listing.returncode == 0, listing.stderr
    cases = json.loads(listing.stdout)
    assert cases and cases[0]["number"] == "CASE-000001"
    shown = intake("--config", str(env_cfg), "cases", "show", "CASE-000001", "--json")
    detail = json.loads(shown.stdout)
    assert detail["messages"][0]["direction"] == "in"
    assert any(e["kind"] == "opened" for e in detail["events"])
    text = intake("--config", str(env_cfg), "cases", "show", "case-000001")
    assert "events:" in text.stdout and "CASE-000001" in text.stdout
    missing = intake("--config", str(env_cfg), "cases", "show", "CASE-999999")
    assert missing.returncode != 0 and "no case" in missing.stderr


def test_bad_configuration_is_one_clear_line(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[smtp]\nlisten = "everywhere"\n')
    done = intake("--config", str(cfg), "cases", "list")
    assert done.returncode != 0
    assert "smtp.listen" in done.stderr and str(cfg) in done.stderr
    assert "Traceback" not in done.stderr
    org = tmp_path / "org.toml"
    org.write_text("[mailboxes]\nquotes = 42\n")
    cfg.write_text(f'[bot]\norg = "{org}"\n')
    done = intake("--config", str(cfg), "replay", str(tmp_path))
    assert "mailboxes.quotes" in done.stderr and "Traceback" not in done.stderr
