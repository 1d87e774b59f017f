"""Commands to the bot (@intake ...) in the case's thread: status, assign, won with a PO;
outside a case's thread, or without a command, nothing happens."""

from __future__ import annotations

from tests.slack_api import FakeSlack
from tests.slack_app.helpers import OMAR, TARA, Bot, Clock, H, announced_case, mention, texts


def test_mention_commands_in_the_case_thread(bot: Bot, slack: FakeSlack, clock: Clock) -> None:
    thread = announced_case(bot, slack, clock)
    clock.advance(H)

    def say(text: str, user: str = TARA) -> list[str]:
        before = len(slack.posts())
        status = bot.event(mention(text, user=user, ts=clock.ts(), thread_ts=thread))
        assert status == (200, "")
        bot.send()
        new = slack.posts()[before:]
        assert all(p.args["thread_ts"] == thread for p in new)
        return texts(new)

    (said,) = say("status")
    assert said.startswith("CASE-000001: *open*, owner <@U0TARA001>")

    assert say(f"assign <@{OMAR}>") == ["Owner: <@U0OMAR001> (was <@U0TARA001>)"]
    assert bot.case().owner == "omar.haddad"
    assigned = [e for e in bot.events() if e.kind == "assigned"]
    assert assigned[-1].data["owner"] == "omar.haddad"
    assert assigned[-1].data["old"] == "tara.nguyen"
    assert assigned[-1].actor == "tara.nguyen@example.com"

    (refused,) = say("won")
    assert refused.startswith("Not done: ") and "PO" in refused
    case = bot.case()
    assert case.status == "open" and "po_number" not in (case.fields or {})

    said = say("won PO 12345")
    assert "Status: *won* (was open), by <@U0TARA001>; PO 12345" in said
    case = bot.case()
    assert case.status == "won" and case.fields["po_number"] == "12345"
    changed = [e for e in bot.events() if e.kind == "status_changed"]
    assert changed[-1].data == {"old": "open", "new": "won", "po": "12345"}

    # a command outside any case's thread, or no command at all, does nothing
    before = len(slack.posts())
    assert bot.event(mention("status", user=TARA, ts=clock.ts(), thread_ts="1.000001")) == (200, "")
    assert bot.event(mention("thanks!", user=TARA, ts=clock.ts(), thread_ts=thread)) == (200, "")
    bot.send()
    assert len(slack.posts()) == before
