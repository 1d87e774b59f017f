"""The case feed of an email request, across restarts of a bot whose Slack dispatcher runs
in its thread as in `intake serve`: the announcement, an email reply, the SLA reminders and
the status change all land in the announcement's thread, each once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from intake.bot.config import Settings
from intake.bot.slack_out import SlackDispatcher
from intake.handlers.lifecycle import set_status
from intake.storage.cases import by_number
from tests.mailhelpers import RoundCounter, wait_for
from tests.slack_api import FakeSlack
from tests.slack_app.helpers import T0, WEST, Bot, Clock, H, receive_email, texts
from tests.test_pipeline import COMPLETE_QUOTE, mail, reply_to


class Running:
    """A bot with its Slack dispatcher thread running (as in `intake serve`), for one step."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.bot = Bot(settings, clock)
        self.dispatcher = SlackDispatcher(
            self.bot.app.sessions,
            self.bot.client,
            settings.slack,
            settings.outbox,
            clock,
        )

    def __enter__(self) -> Bot:
        self.bot.dispatcher = self.dispatcher
        self.dispatcher.start()
        return self.bot

    def __exit__(self, *exc: object) -> None:
        self.dispatcher.stop()
        self.dispatcher.join(10)
        assert not self.dispatcher.is_alive()
        self.bot.close()


def wake(bot: Bot) -> None:
    assert bot.dispatcher is not None
    bot.dispatcher.wake.set()


def test_email_case_feed_lands_in_the_announcement_thread_once_across_restarts(
    settings: Settings, slack: FakeSlack, clock: Clock
) -> None:
    # 1. an email quote request: one post in the team's channel, the owner @mentioned
    with Running(settings, clock) as bot:
        receive_email(bot, mail(COMPLETE_QUOTE, when=clock()))
        bot.work()
        wake(bot)
        (announcement,) = wait_for(lambda: slack.posts(), timeout=10)
        (ack,) = bot.outbox("email")
    assert announcement.args["channel"] == WEST and not announcement.args.get("thread_ts")
    assert "<@U0TARA001>" in announcement.args["text"]
    ts = str(announcement.response["ts"])

    # 2. after a restart: an email reply on the case goes into the thread
    clock.advance(H)
    with Running(settings, clock) as bot:
        raw = reply_to(ack, "Any news on this one? The builder is asking.", clock())
        receive_email(bot, raw)
        (result,) = bot.work()
        assert result.outcome == "append" and result.case_number == "CASE-000001"
        wake(bot)
        wait_for(lambda: len(slack.posts()) == 2, timeout=10)
    reply_post = slack.posts()[1]
    assert reply_post.args["thread_ts"] == ts
    assert "The builder is asking" in reply_post.args["text"]
    assert "<@U0ALEXM01>" in reply_post.args["text"]

    # 3. after another restart: the sweep, well after the quote was due, reminds in the thread
    clock.at = T0 + 48 * H + timedelta(minutes=1)  # Wed 10:01: the quote is overdue
    with Running(settings, clock) as bot:
        fired = bot.sweep(clock())
        assert ("quote_turnaround", "breach") in {(r.policy, r.step) for r in fired}
        wake(bot)
        wait_for(lambda: len(slack.posts()) == 2 + len(fired), timeout=10)
        assert bot.sweep(clock()) == []  # swept once
    reminder_posts = slack.posts()[2:]
    assert all(p.args["thread_ts"] == ts for p in reminder_posts)
    assert all(":alarm_clock:" in p.args["text"] for p in reminder_posts)
    assert any(
        "Overdue" in p.args["text"] and "<@U0TARA001>" in p.args["text"] for p in reminder_posts
    )

    # 4. after another restart: the case is won, said in the thread
    clock.advance(H)
    before = len(slack.posts())
    with Running(settings, clock) as bot:
        with bot.app.sessions() as session, session.begin():
            case = by_number(session, "CASE-000001")
            set_status(
                session,
                bot.app.pipeline.sla,
                case,
                "won",
                actor="tara.nguyen@example.com",
                now=clock(),
                po="12345",
            )
        rounds = RoundCounter(bot.dispatcher)
        wake(bot)
        wait_for(lambda: any("won" in t for t in texts(slack.posts()[before:])), timeout=10)
        rounds.wait_for_rounds(2)  # the dispatcher looked again: nothing more to post

    # 5. one more start: nothing is posted twice
    with Running(settings, clock) as bot:
        rounds = RoundCounter(bot.dispatcher)
        assert bot.sweep(clock()) == []
        bot.send()
        rounds.wait_for_rounds(2)  # and its thread, after the sweep and the send by hand
        states = Counter(r.state for r in bot.outbox("slack"))
    assert set(states) == {"sent"}, states

    posts = slack.posts()
    top_level = [p for p in posts if not p.args.get("thread_ts")]
    assert top_level == [announcement]  # one channel post, everything else in its thread
    assert all(p.args["thread_ts"] == ts for p in posts[1:])
    duplicates = {t: n for t, n in Counter(texts(posts)).items() if n > 1}
    assert duplicates == {}
    won = [p for p in posts if p.args["text"].startswith("Status: *won*")]
    assert len(won) == 1 and "PO 12345" in won[0].args["text"]
    assert "<@U0TARA001>" in won[0].args["text"]
