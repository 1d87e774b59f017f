"""Photos of Slack requests: queued with the message, fetched afterwards (files.info and the
private download URL of the local Web API fake, tests/slack_api.py) through the outbox's
claims, retried through a 500 and a time-out, attached once with their sha256 even across
a restart in the middle, and failed with their reason when Slack will not give them."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from intake.bot import slack_files as fetcher
from intake.bot.config import Settings
from intake.parsers.slack_event import slack_files
from intake.storage import slack_files as files_store
from intake.storage.models import AttachmentRow, OutboxMessage
from tests.slack_api import FakeSlack
from tests.slack_app.helpers import ALEX, TARA, Bot, Clock, message, settings_for
from tests.test_pipeline import COMPLETE_QUOTE

PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40 + b"\xff\xd9"  # a small "JPEG"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(migrated_database_url: str, tmp_path: Path, slack: FakeSlack) -> Settings:
    return settings_for(migrated_database_url, tmp_path, slack.base_url, slack={"max_attempts": 4})


def with_files(event: dict[str, Any], *files: dict[str, Any]) -> dict[str, Any]:
    return {**event, "subtype": "file_share", "files": list(files)}


def fetch(bot: Bot) -> int:
    return fetcher.fetch_due(
        bot.app.sessions, bot.client, bot.settings.slack, bot.settings.outbox, bot.clock
    )


def file_rows(bot: Bot) -> list[OutboxMessage]:
    return bot.outbox(files_store.CHANNEL)


def attachments(bot: Bot) -> list[AttachmentRow]:
    with bot.app.sessions() as session:
        return list(session.scalars(select(AttachmentRow).order_by(AttachmentRow.id)))


class Crash(BaseException):
    """The process dies (not an Exception: nothing on the way catches it)."""


def test_photo_lands_once_with_its_hash_through_a_500_a_timeout_and_a_restart(
    settings: Settings, slack: FakeSlack, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = slack.add_file("F0PHOTO01", "broken-sash.jpg", PHOTO)
    bot = Bot(settings, clock)
    try:
        ts = clock.ts()
        event = with_files(message(COMPLETE_QUOTE, user=ALEX, ts=ts), entry)
        assert bot.event(event) == (200, "")
        (result,) = bot.settle()
        assert result.outcome == "new_case"
        # Acknowledged and processed without a word to files.info: the file is only queued,
        # in the transaction that opened the case.
        assert slack.calls_of("files.info") == [] and slack.downloads == []
        (row,) = file_rows(bot)
        assert (row.state, row.case_id) == ("pending", bot.case().id)
        assert attachments(bot) == []

        # files.info answers 500, then the download does: each is an attempt, retried later
        slack.fail_next("files.info", 500)
        assert fetch(bot) == 0
        (row,) = file_rows(bot)
        assert (row.state, row.attempts) == ("pending", 1) and "500" in (row.last_error or "")
        assert fetch(bot) == 0  # backing off: not due yet
        assert len(slack.calls_of("files.info")) == 1
        clock.advance(timedelta(minutes=1))
        slack.fail_next("download:F0PHOTO01", 500)
        assert fetch(bot) == 0
        (row,) = file_rows(bot)
        assert (row.state, row.attempts) == ("pending", 2) and "HTTP 500" in row.last_error

        # the download stalls past the time-out (2 s): retried, not failed
        clock.advance(timedelta(minutes=1))
        slack.delay_next("download:F0PHOTO01", 3.5)
        assert fetch(bot) == 0
        (row,) = file_rows(bot)
        assert (row.state, row.attempts) == ("pending", 3)
        assert "timed out" in (row.last_error or "")

        # downloaded, and the process dies before its commit
        clock.advance(timedelta(minutes=1))

        def die(*args: Any, **kwargs: Any) -> str:
            raise Crash

        monkeypatch.setattr(files_store, "attach", die)
        with pytest.raises(Crash):
            fetch(bot)
        monkeypatch.undo()
    finally:
        bot.close()
    # the 500, the stalled one (answered after the client gave up) and the one lost in the crash
    assert [d.status for d in slack.downloads] == [500, 200, 200]

    bot = Bot(settings, clock)  # the restart
    try:
        assert attachments(bot) == []
        assert fetch(bot) == 0  # the dead fetch's lease has not ended yet
        clock.advance(timedelta(minutes=2))
        assert fetch(bot) == 1
        assert fetch(bot) == 0
        assert len(slack.downloads) == 4
        (att,) = attachments(bot)
        assert att.content == PHOTO and att.sha256 == hashlib.sha256(PHOTO).hexdigest()
        assert (att.filename, att.content_type, att.size) == (
            "broken-sash.jpg",
            "image/jpeg",
            len(PHOTO),
        )
        assert att.slack_file_id == "F0PHOTO01" and not att.inline
        (row,) = file_rows(bot)
        assert (row.state, row.attempts) == ("sent", 5)  # the crashed fetch was one too
        case = bot.case()
        assert "broken-sash.jpg" in case.fields["attachments"]
        (added,) = [e for e in bot.events() if e.kind == "attachment_added"]
        assert added.data["sha256"] == att.sha256
        # every download carried the bot token, and only Bearer auth
        assert {d.authorization for d in slack.downloads} == {f"Bearer {slack.token}"}
    finally:
        bot.close()


def test_the_same_file_again_in_a_thread_reply_is_not_attached_twice(
    settings: Settings, slack: FakeSlack, clock: Clock
) -> None:
    photo = slack.add_file("F0PHOTO02", "frame.png", PHOTO, "image/png")
    other = slack.add_file("F0PHOTO03", "sill.jpg", PHOTO[::-1])
    bot = Bot(settings, clock)
    try:
        ts = clock.ts()
        assert bot.event(with_files(message(COMPLETE_QUOTE, user=ALEX, ts=ts), photo)) == (
            200,
            "",
        )
        bot.settle()
        assert fetch(bot) == 1
        # the reply in the request's own thread joins the case, with the same photo and one more
        reply = message("Two more photos", user=TARA, ts=clock.ts(), thread_ts=ts)
        assert bot.event(with_files(reply, photo, other)) == (200, "")
        (result,) = bot.settle()
        assert result.outcome == "append"
        assert fetch(bot) == 1  # the second copy of F0PHOTO02 is refused by the unique key
        assert sorted(a.slack_file_id for a in attachments(bot)) == ["F0PHOTO02", "F0PHOTO03"]
        assert [r.state for r in file_rows(bot)] == ["sent", "sent", "sent"]
        assert bot.case().fields["attachments"].count("frame.png") == 1
    finally:
        bot.close()


def test_a_file_that_cannot_be_fetched_is_failed_with_its_reason(
    settings: Settings, slack: FakeSlack, clock: Clock
) -> None:
    flaky = slack.add_file("F0FLAKY01", "flaky.jpg", PHOTO)
    gone = {"id": "F0GONE001", "name": "gone.jpg", "mimetype": "image/jpeg"}
    bot = Bot(settings, clock)
    try:
        event = with_files(message(COMPLETE_QUOTE, user=ALEX, ts=clock.ts()), gone, flaky)
        assert bot.event(event) == (200, "")
        bot.settle()
        for _ in range(settings.slack.max_attempts):
            slack.fail_next("download:F0FLAKY01", 503)
        for _ in range(settings.slack.max_attempts):
            fetch(bot)
            clock.advance(timedelta(hours=1))
        gone_row, flaky_row = file_rows(bot)
        assert (gone_row.state, gone_row.attempts) == ("failed", 1)
        assert gone_row.last_error == "files.info: file_not_found"
        assert flaky_row.state == "failed" and flaky_row.attempts == settings.slack.max_attempts
        assert "HTTP 503" in flaky_row.last_error and "after 4 attempts" in flaky_row.last_error
        assert attachments(bot) == []
        failed = [e.data for e in bot.events() if e.kind == "attachment_failed"]
        assert [(f["filename"], f["reason"]) for f in failed] == [
            ("gone.jpg", gone_row.last_error),
            ("flaky.jpg", flaky_row.last_error),
        ]
        assert fetch(bot) == 0 and len(slack.downloads) == settings.slack.max_attempts
    finally:
        bot.close()


def test_without_files_read_slack_answers_a_web_page_which_is_no_photo(
    settings: Settings, slack: FakeSlack, clock: Clock
) -> None:
    entry = slack.add_file("F0PAGE001", "p.jpg", PHOTO)
    bot = Bot(settings, clock)
    try:
        event = with_files(message(COMPLETE_QUOTE, user=ALEX, ts=clock.ts()), entry)
        assert bot.event(event) == (200, "")
        bot.settle()
        slack.token = "xoxb-other"  # files.info works for this one, the download does not
        bot.client.token = "xoxb-other"
        fetch(bot)
        (row,) = file_rows(bot)
        assert row.state == "failed" and "web page" in row.last_error
        assert attachments(bot) == []
    finally:
        bot.close()


def test_the_token_goes_only_to_slack() -> None:
    api = "https://slack.com/api/"
    assert fetcher._is_slack("https://files.slack.com/files-pri/T1-F1/download/a.jpg", api)
    assert not fetcher._is_slack("http://files.slack.com/files-pri/T1-F1/a.jpg", api)
    assert not fetcher._is_slack("https://files.slack.com.evil.example/a.jpg", api)
    assert not fetcher._is_slack("https://evil.example/?slack.com", api)
    local = "http://127.0.0.1:8123/api/"
    assert fetcher._is_slack("http://127.0.0.1:8123/files-pri/T-F/download/x", local)
    assert not fetcher._is_slack("http://127.0.0.1:9999/files-pri/T-F/download/x", local)


def test_files_of_a_stored_event() -> None:
    raw = (
        b'{"event": {"files": [{"id": "F0A1", "name": "a.jpg", "mimetype": "image/jpeg"},'
        b' {"id": "F0A1"}, {"id": "not a file id"}, "junk", {"id": "F0B2", "title": "b"}]}}'
    )
    assert [(f.id, f.name, f.mimetype) for f in slack_files(raw)] == [
        ("F0A1", "a.jpg", "image/jpeg"),
        ("F0B2", "b", "application/octet-stream"),
    ]
    assert slack_files(b"not json") == () and slack_files(b'{"event": {}}') == ()
