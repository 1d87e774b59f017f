"""The home tab: a person's open cases, overdue first."""

from __future__ import annotations

import json

from sqlalchemy import update

from intake.handlers.lifecycle import set_status
from intake.storage.cases import by_number
from intake.storage.models import Case
from tests.slack_api import FakeSlack
from tests.slack_app.helpers import T0, TARA, Bot, Clock, H, receive_email
from tests.test_pipeline import COMPLETE_QUOTE, PARTIAL_QUOTE, mail


def test_home_tab_lists_the_persons_open_cases_overdue_first(
    bot: Bot, slack: FakeSlack, clock: Clock
) -> None:
    def request(body: str, subject: str) -> None:
        receive_email(bot, mail(body, subject=subject, when=clock()))
        bot.work()

    request(PARTIAL_QUOTE, "Lot 9")  # 1: waiting for information, no deadline
    request(COMPLETE_QUOTE, "Lot 10")  # 2: due Wed 10:00
    request(COMPLETE_QUOTE, "Lot 11")  # 3: omar's
    request(COMPLETE_QUOTE, "Lot 12")  # 4: closed
    clock.at = T0 + 71 * H  # Thu 09:00
    request(COMPLETE_QUOTE, "Lot 13")  # 5: due two working days later
    with bot.app.sessions() as session, session.begin():
        session.execute(update(Case).values(owner="tara.nguyen"))
        session.execute(update(Case).where(Case.seq == 3).values(owner="omar.haddad"))
        four = by_number(session, "CASE-000004")
        set_status(session, bot.app.pipeline.sla, four, "closed", actor="cli", now=clock())
    clock.advance(H)  # Thu 10:00: case 2 is overdue

    home = {"type": "app_home_opened", "user": TARA, "channel": "D0TARAHOM", "tab": "home"}
    assert bot.event({**home, "event_ts": clock.ts()}) == (200, "")
    (call,) = slack.calls_of("views.publish")
    assert call.ok and call.args["user_id"] == TARA
    view = call.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["type"] == "home"
    lines = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    numbers = [line.split("*")[1] for line in lines]
    assert numbers == ["CASE-000002", "CASE-000005", "CASE-000001"]
    assert "OVERDUE" in lines[0] and "OVERDUE" not in lines[1]
    assert "no deadline" in lines[2] and "awaiting info" in lines[2]

    nobody = {**home, "user": "U0STRANGER", "event_ts": clock.ts()}
    assert bot.event(nobody) == (200, "")
    view = slack.calls_of("views.publish")[-1].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert "Nothing open." in json.dumps(view)
