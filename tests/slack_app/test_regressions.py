"""Bugs found in the Slack app, each kept by its test: an event not lost when auth.test
fails, "won PO" without a number refused, an answer in the request's own thread reaching
the case's thread, talk of the close date not closing the case, and a refused slash request
not promised a case."""

from __future__ import annotations

from tests.slack_api import FakeSlack
from tests.slack_app.helpers import (
    ALEX,
    BOT_USER,
    TARA,
    Bot,
    Clock,
    H,
    announced_case,
    in_thread,
    mention,
    message,
    request_in_channel,
    texts,
)
from tests.test_pipeline import COMPLETE_QUOTE, PARTIAL_QUOTE


def test_an_event_is_not_lost_when_auth_test_fails(
    bot: Bot, slack: FakeSlack, clock: Clock
) -> None:
    slack.fail_next("auth.test", 500)
    status, _ = bot.event(message(COMPLETE_QUOTE, user=ALEX, ts=clock.ts()))
    # either it was stored, or Slack was told to try again
    assert len(bot.inbound()) == 1 or status != 200


def test_won_with_the_word_po_but_no_number_is_refused(
    bot: Bot, slack: FakeSlack, clock: Clock
) -> None:
    thread = announced_case(bot, slack, clock)
    assert bot.event(mention("won PO", user=TARA, ts=clock.ts(), thread_ts=thread)) == (200, "")
    bot.send()
    assert bot.case().status == "open"
    assert any(t.startswith("Not done: ") for t in texts(in_thread(slack, thread)))


def test_an_answer_in_the_requests_own_thread_reaches_the_case_thread(
    bot: Bot, slack: FakeSlack, clock: Clock
) -> None:
    request_ts = request_in_channel(bot, clock, PARTIAL_QUOTE)
    (asked,) = in_thread(slack, request_ts)
    assert "Reply in this thread" in asked.args["text"]
    case_thread = bot.case().slack_ts
    assert case_thread
    clock.advance(H)
    answer = "Factor: 0.52\nStage: Submissions\nClose date: 2026-12-18"
    event = message(answer, user=ALEX, ts=clock.ts(), thread_ts=request_ts)
    assert bot.event(event) == (200, "")
    (result,) = bot.settle()
    assert result.outcome == "append" and result.case_number == "CASE-000001"
    assert bot.case().status == "open"
    assert any("0.52" in t for t in texts(in_thread(slack, case_thread)))


def test_talking_about_the_close_date_does_not_close_the_case(
    bot: Bot, slack: FakeSlack, clock: Clock
) -> None:
    thread = announced_case(bot, slack, clock)
    clock.advance(H)
    ts = clock.ts()
    said = "close date is now 2026-12-30"
    assert bot.event(mention(said, user=ALEX, ts=ts, thread_ts=thread)) == (200, "")
    twin = message(f"<@{BOT_USER}> {said}", user=ALEX, ts=ts, thread_ts=thread)
    assert bot.event(twin) == (200, "")
    bot.settle()
    assert bot.case().status == "open"


def test_a_slash_request_that_is_refused_is_not_promised_a_case(
    bot: Bot, slack: FakeSlack, clock: Clock
) -> None:
    stranger = "U0STRANGE1"  # not in the organisation file: the quote mailbox refuses them
    status, answer = bot.slash("quote " + COMPLETE_QUOTE, user=stranger)
    assert status == 200
    assert "Sorry" in answer and "Thanks" not in answer
    assert bot.inbound() == [] and bot.settle() == []  # nothing filed, nothing promised
    status, answer = bot.slash("quote " + COMPLETE_QUOTE, user=ALEX)
    assert status == 200 and "Thanks" in answer
