"""The Slack app's listeners: events, slash commands and button clicks at `/slack/events`.

It is a bolt `App` in HTTP mode behind the front door of `bot/slack_http.py`, inside
`intake serve`. The front door limits what a connection may cost, checks each request's
signature against `SLACK_SIGNING_SECRET` (a forged or stale one is answered 401) and its
shape (400), and hands bolt the parsed request. With `process_before_response` bolt answers
Slack only after our listener returned: a message is stored and committed before Slack hears
"200", as SMTP's 250 waits for the commit. Messages become inbox rows (`channel="slack"`)
and go through the same pipeline and extraction as email; commands and buttons act on cases
through `handlers/lifecycle.py`, and whatever they say back goes through the outbox feed.

Who may do what: a message (in an intake channel, to the bot, or a reply in a case's thread)
is stored whoever wrote it and meets the same mailbox rules in the pipeline as an email (the
quote mailboxes take staff only; service takes anyone): asking is the customer-facing part.
Acting on a case (a command to the bot in its thread, a button on its announcement) is for
people in the organisation file only, matched by their Slack id; anyone else is told so in a
message only they see, nothing changes, and the refusal is logged.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App as BoltApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from sqlalchemy import select

from intake.bot.app import App
from intake.bot.config import ConfigError, SlackSettings, parse_host_port
from intake.bot.slack_http import Answer, BadRequest, SlackHTTPServer
from intake.handlers import commands, statuses
from intake.handlers.assignment import assign_owner
from intake.handlers.lifecycle import LifecycleError, set_status
from intake.handlers.pipeline import mailbox_allows
from intake.handlers.slack_feed import ACTION_QUOTE_SENT, ACTION_TAKE, escape
from intake.parsers.org import Mailbox
from intake.parsers.slack_event import slack_message_id
from intake.storage import inbox
from intake.storage.cases import by_message_ids, by_number
from intake.storage.models import Case

log = logging.getLogger("intake.slack")

REFUSAL = (
    "Sorry: only people in the organisation file can act on cases, and your Slack account "
    "is not in it. Nothing was changed on {number}."
)
_IGNORED_SUBTYPES = {
    "bot_message",
    "message_changed",
    "message_deleted",
    "channel_join",
    "channel_leave",
    "channel_topic",
    "channel_purpose",
}


def bot_user_of(body: dict[str, Any]) -> str | None:
    """The bot's user id, as the Events API states it in each request."""
    for auth in body.get("authorizations") or []:
        if isinstance(auth, dict) and auth.get("is_bot") and auth.get("user_id"):
            return str(auth["user_id"])
    return None


def is_command_to(bot_user_id: str | None, text: Any) -> bool:
    """Whether a message starts by addressing the bot with a command it knows."""
    if not bot_user_id or not isinstance(text, str):
        return False
    return text.lstrip().startswith(f"<@{bot_user_id}") and parse_command(text) is not None


def parse_command(text: str) -> tuple[str, str | None] | None:
    """ "<@BOT> won PO 12345" -> ("won", "12345"); None when it is no command (the words
    are handlers/commands.py's, shared with email)."""
    found = commands.parse_command(text)
    return (found.name, found.arg) if found is not None else None


class SlackFrontDoor:
    """The bolt app and its listeners, bound to one running bot."""

    def __init__(
        self,
        app: App,
        settings: SlackSettings,
        now: Callable[[], datetime],
        on_stored: Callable[[], None] = lambda: None,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        if not settings.signing_secret:
            raise ConfigError("slack: SLACK_SIGNING_SECRET is needed with SLACK_BOT_TOKEN")
        self.app, self.settings, self.now = app, settings, now
        self.on_stored, self.on_queued = on_stored, on_queued
        self.org = app.org
        client = WebClient(
            token=settings.bot_token,
            base_url=_with_slash(settings.api_url),
            timeout=int(settings.timeout_seconds),
            retry_handlers=[],
        )
        token = settings.bot_token

        def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            # One workspace, one bot token: nothing to look up. bolt's default would call
            # auth.test on the first request and answer 200 without running our listener when
            # that fails, so a message would be acknowledged and lost while Slack's API is
            # unwell. The bot's own user id comes with each event (`authorizations`).
            return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=token)

        self.bolt = BoltApp(
            client=client,
            signing_secret=settings.signing_secret,
            authorize=authorize,
            process_before_response=True,  # store, commit, then answer Slack
            # The front door (bot/slack_http.py) checks the signature on the raw body before
            # parsing it, and hands bolt the parsed request re-encoded as JSON.
            request_verification_enabled=False,
        )
        # Refusals are said on the side: a slow Web API must not hold Slack's answer.
        self.notices = ThreadPoolExecutor(max_workers=2, thread_name_prefix="intake-slack-notice")
        self.people_by_slack = {p.slack: (k, p) for k, p in self.org.people.items() if p.slack}
        self.intake_channels = {
            t.slack_channel: key for key, t in self.org.teams.items() if t.slack_channel
        }
        self._register()

    # -- routing ------------------------------------------------------------------------

    def person(self, user_id: str | None) -> tuple[str, Any] | None:
        return self.people_by_slack.get(user_id or "")

    def mailbox_for_team(self, team: str | None, queue: str | None = None) -> Mailbox | None:
        boxes = list(self.org.mailboxes.values())
        if team is not None:
            own = [b for b in boxes if b.team == team and (queue is None or b.queue == queue)]
            if own:
                return own[0]
            members = self.org.teams.get(team)
            if members is not None and members.members and not members.atrs:
                queue = queue or "service"
        queue = queue or "quotes"
        return next((b for b in boxes if b.queue == queue and b.team is None), None) or next(
            (b for b in boxes if b.queue == queue), None
        )

    def route(self, event: dict[str, Any]) -> str | None:
        """The mailbox a Slack message is delivered to, or None when it is not for us: a
        reply in a case's thread goes to that case's mailbox; a message in a team's intake
        channel to the team's; a direct message to the sender's team's quote mailbox (or the
        service mailbox when it starts with "service")."""
        channel, ts = str(event.get("channel") or ""), str(event.get("ts") or "")
        thread_ts = event.get("thread_ts")
        if thread_ts and thread_ts != ts:
            with self.app.sessions() as session:
                case = by_message_ids(session, [slack_message_id(channel, str(thread_ts))])
                if case is not None:
                    return case.mailbox
        if event.get("channel_type") == "im":
            text = str(event.get("text") or "").lstrip().lower()
            queue = "service" if text.startswith(("service", "repair")) else "quotes"
            found = self.person(event.get("user"))
            box = self.mailbox_for_team(found[1].team if found else None, queue)
            return box.address if box else None
        if channel in self.intake_channels and not (thread_ts and thread_ts != ts):
            box = self.mailbox_for_team(self.intake_channels[channel])
            return box.address if box else None
        return None

    def store(self, event: dict[str, Any], mailbox: str) -> int:
        raw = json.dumps({"event": event}, ensure_ascii=False).encode("utf-8")
        message_id = slack_message_id(str(event.get("channel")), str(event.get("ts")))
        with self.app.sessions() as session, session.begin():
            row = inbox.store_inbound(
                session,
                raw=raw,
                channel="slack",
                received_at=self.now(),
                rcpt_tos=[mailbox],
                peer=f"slack:{event.get('user')}",
                message_id=message_id,
            )
            row_id = row.id
        log.info("slack message %s stored as inbound #%s for %s", message_id, row_id, mailbox)
        self.on_stored()
        return row_id

    # -- listeners ----------------------------------------------------------------------

    def _register(self) -> None:
        bolt = self.bolt

        @bolt.event("message")
        def on_message(event: dict[str, Any], body: dict[str, Any]) -> None:
            if event.get("bot_id") or event.get("subtype") in _IGNORED_SUBTYPES:
                return
            me = bot_user_of(body)
            if me is not None and event.get("user") == me:
                return  # our own post
            if is_command_to(me, event.get("text")):
                return  # "@intake won PO 1" is a command (app_mention acts), not a message
            mailbox = self.route(event)
            if mailbox is None:
                return
            self.store(event, mailbox)

        @bolt.event("app_mention")
        def on_mention(event: dict[str, Any]) -> None:
            self.command_in_thread(event)

        @bolt.command("/intake")
        def on_slash(ack: Callable[..., None], command: dict[str, Any]) -> None:
            ack(self.slash(command))

        @bolt.action(ACTION_TAKE)
        def on_take(ack: Callable[..., None], body: dict[str, Any]) -> None:
            ack()
            self.button(body, "take")

        @bolt.action(ACTION_QUOTE_SENT)
        def on_quote_sent(ack: Callable[..., None], body: dict[str, Any]) -> None:
            ack()
            self.button(body, "quote-sent")

        @bolt.action(re.compile(r"^case_"))
        def on_other_button(ack: Callable[..., None], body: dict[str, Any]) -> None:
            ack()
            self.button(body, "ask")

        @bolt.event("app_home_opened")
        def on_home(event: dict[str, Any], client: WebClient) -> None:
            user = str(event.get("user") or "")
            try:
                client.views_publish(user_id=user, view=self.home_view(user))
            except Exception:  # noqa: BLE001 - a home tab that fails to draw harms nothing
                log.exception("home tab for %s not published", user)

    # -- what the listeners do ----------------------------------------------------------

    def slash(self, command: dict[str, Any]) -> str:
        """`/intake quote <request>` or `/intake service <request>`: a case, as if the text
        had been posted in the team's intake channel."""
        text = str(command.get("text") or "").strip()
        word, _, rest = text.partition(" ")
        queue = {"quote": "quotes", "quotes": "quotes", "service": "service"}.get(word.lower())
        if queue is None or not rest.strip():
            return "Usage: /intake quote <the request>  or  /intake service <the request>"
        found = self.person(command.get("user_id"))
        box = self.mailbox_for_team(found[1].team if found else None, queue)
        if box is None:
            return f"No {queue} mailbox is configured."
        staff = found is not None and self.org.is_company_address(found[1].email)
        if not mailbox_allows(box, staff):
            return (
                f"Sorry: {box.address} takes requests from staff in the organisation file only, "
                "and your Slack account is not in it."
            )
        now = self.now()
        # A slash command leaves no message to thread under: the request is filed as if the
        # person had written to the bot directly (the "channel" is their user id), so the
        # answer with the case number reaches them as a direct message.
        event = {
            "type": "message",
            "user": command.get("user_id"),
            "channel": command.get("user_id"),
            "text": rest.strip(),
            "ts": f"{now.timestamp():.6f}",
            "via": "slash_command",
            "command_channel": command.get("channel_id"),
        }
        self.store(event, box.address)
        return "Thanks: your request is being logged; I will send you its case number here."

    def command_in_thread(self, event: dict[str, Any]) -> None:
        """`@intake won PO 12345` in a case's thread acts on that case."""
        parsed = parse_command(str(event.get("text") or ""))
        thread_ts = event.get("thread_ts")
        if parsed is None or not thread_ts:
            return
        name, arg = parsed
        channel = str(event.get("channel") or "")
        user = event.get("user")
        with self.app.sessions() as session, session.begin():
            case = by_message_ids(session, [slack_message_id(channel, str(thread_ts))])
            if case is None:
                return
            if not self.may_act(user, name, case.number, channel, str(thread_ts)):
                return
            self.act(session, case, name, arg, self.actor(user))
        self.on_queued()

    def button(self, body: dict[str, Any], what: str) -> None:
        actions = body.get("actions") or [{}]
        number = str(actions[0].get("value") or "")
        user = (body.get("user") or {}).get("id")
        channel = body.get("channel")
        channel_id = channel.get("id") if isinstance(channel, dict) else None
        channel_id = channel_id or (body.get("container") or {}).get("channel_id")
        actor = self.actor(user)
        with self.app.sessions() as session, session.begin():
            case = by_number(session, number)
            if case is None:
                return
            if not self.may_act(user, f"button {what}", case.number, channel_id, None):
                return
            if what == "take":
                found = self.person(user)
                self.assign(session, case, found[0] if found else None, actor)
            elif what == "quote-sent":
                self.act(session, case, "quote-sent", None, actor)
            else:
                self.say(
                    session,
                    case,
                    f"{self._who(actor)} asks for more information: reply in this thread.",
                )
        self.on_queued()

    def may_act(
        self,
        user: str | None,
        what: str,
        number: str,
        channel: str | None,
        thread_ts: str | None,
    ) -> bool:
        """Whether this Slack user may act on a case: only a person in the organisation
        file may. Anyone else is refused in a message only they see, and it is logged."""
        if self.person(user) is not None:
            return True
        log.warning(
            "slack: %s on %s refused: %s is not in the organisation file", what, number, user
        )
        if user and channel:
            self.notices.submit(self.tell_privately, channel, user, thread_ts, number)
        return False

    def tell_privately(self, channel: str, user: str, thread_ts: str | None, number: str) -> None:
        """An ephemeral refusal. Best effort: nothing depends on it, so it is not an outbox
        row and is not retried; the log line of `may_act` is the record."""
        kwargs: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
        try:
            self.bolt.client.chat_postEphemeral(
                channel=channel, user=user, text=REFUSAL.format(number=number), **kwargs
            )
        except Exception as exc:  # noqa: BLE001 - a lost notice harms nothing
            log.warning("slack: refusal to %s not delivered: %s", user, exc)

    def act(self, session: Any, case: Case, name: str, arg: str | None, actor: str) -> None:
        if name == "status":
            self.say(session, case, self.status_line(case))
            return
        if name == "assign":
            found = self.person(arg)
            self.assign(session, case, found[0] if found else None, actor)
            return
        kwargs: dict[str, Any] = {}
        if name == "won":
            kwargs["po"] = arg
        elif name == "lost":
            kwargs["reason"] = arg
        try:
            set_status(
                session, self.app.pipeline.sla, case, name, actor=actor, now=self.now(), **kwargs
            )
        except LifecycleError as exc:
            self.say(session, case, f"Not done: {escape(str(exc))}")

    def assign(self, session: Any, case: Case, person: str | None, actor: str) -> None:
        if person is None:
            self.say(session, case, "Not done: that person is not in the organisation file.")
            return
        old = assign_owner(
            session, case, person, actor=actor, rule="assigned in Slack", now=self.now()
        )
        feed = self.app.pipeline.slack
        mention = feed.mention(person) if feed else person
        self.say(session, case, f"Owner: {mention} (was {feed.mention(old) if feed else old})")
        if feed is not None:
            feed.refresh(session, case, self.now())
        if self.app.pipeline.salesforce is not None:
            self.app.pipeline.salesforce.owner_changed(session, case, old, actor, self.now())

    def say(self, session: Any, case: Case, text: str) -> None:
        feed = self.app.pipeline.slack
        if feed is not None:
            feed.post(session, case, text, self.now())

    def status_line(self, case: Case) -> str:
        feed = self.app.pipeline.slack
        owner = feed.mention(case.owner) if feed else case.owner
        due = case.due_at.isoformat() if case.due_at else "no running deadline"
        missing = ", ".join(case.missing or []) or "nothing"
        status = case.status.replace("_", " ")
        return f"{case.number}: *{status}*, owner {owner}, due {due}, missing {missing}"

    def actor(self, user_id: str | None) -> str:
        found = self.person(user_id)
        return found[1].email if found else f"slack:{user_id}"

    def _who(self, actor: str) -> str:
        feed = self.app.pipeline.slack
        return feed.mention_address(actor) if feed and "@" in actor else escape(actor)

    def home_view(self, user_id: str) -> dict[str, Any]:
        """Home tab: the person's open cases with their due times, overdue first."""
        found = self.person(user_id)
        blocks: list[dict[str, Any]] = [
            {"type": "header", "text": {"type": "plain_text", "text": "Your open cases"}}
        ]
        rows: list[Case] = []
        if found is not None:
            with self.app.sessions() as session:
                rows = list(
                    session.scalars(
                        select(Case).where(
                            Case.owner == found[0], Case.status.not_in(statuses.DONE)
                        )
                    )
                )
        now = self.now()
        far = datetime.max.replace(tzinfo=UTC)
        rows.sort(key=lambda c: (c.due_at or far, c.number))
        for case in rows[:50]:
            due = case.due_at
            state = "no deadline" if due is None else ("OVERDUE" if due <= now else "due")
            when = f" {due.astimezone(UTC):%a %d %b %H:%M} UTC" if due else ""
            title = escape((case.fields or {}).get("account") or case.subject)
            status = case.status.replace("_", " ")
            blocks.append(
                {
                    "type": "section",
                    "text": {
                        "type": "mrkdwn",
                        "text": f"*{case.number}* {title}\n{status} · {state}{when}",
                    },
                }
            )
        if not rows:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "Nothing open."}})
        return {"type": "home", "blocks": blocks}

    # -- HTTP ---------------------------------------------------------------------------

    def http_server(self) -> SlackHTTPServer:
        """The front door (bot/slack_http.py) with bolt behind it."""
        assert self.settings.signing_secret is not None  # checked in __init__
        return SlackHTTPServer(
            parse_host_port(self.settings.http_listen), self.settings.signing_secret, self.dispatch
        )

    def dispatch(self, body: dict[str, Any], headers: dict[str, list[str]]) -> Answer:
        """One request the front door let through, as bolt answers it."""
        try:
            request = BoltRequest(
                body=json.dumps(body), headers={**headers, "content-type": ["application/json"]}
            )
        except Exception as exc:  # noqa: BLE001 - a shape bolt cannot read is a bad request
            raise BadRequest(400, f"unreadable request: {type(exc).__name__}") from None
        response = self.bolt.dispatch(request)
        headers_out = {
            name: values if isinstance(values, list) else [values]
            for name, values in (response.headers or {}).items()
        }
        return Answer(response.status, response.body or "", headers_out)


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def serve_http(front: SlackFrontDoor) -> tuple[SlackHTTPServer, threading.Thread]:
    server = front.http_server()
    thread = threading.Thread(target=server.serve_forever, name="intake-slack-http", daemon=True)
    thread.start()
    return server, thread
