"""Salesforce sync end to end: the real pipeline and worker, and the real dispatcher with the
real client library (simple-salesforce over requests, TLS verified against a throwaway CA)
against a local HTTPS fake of the REST API (tests/salesforce_api.py), on every backend.

The dispatcher runs by hand on the test's clock (`SalesforceDispatcher.dispatch`, the round
`intake serve`'s thread runs), so what happens is the same on every run; the last test runs
`intake serve` itself with Salesforce unreachable.
"""

from __future__ import annotations

import logging
import re
import smtplib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from intake.bot.app import build_app
from intake.bot.config import ConfigError, Settings, load_settings
from intake.bot.salesforce_out import (
    REQUESTS_PER_ROW,
    AttemptOverrun,
    SalesforceClient,
    SalesforceDispatcher,
    attempt_lease,
    reference,
)
from intake.bot.scheduler import sweep_until_done
from intake.bot.worker import drain
from intake.handlers.lifecycle import set_status
from intake.storage.admin import resend_outbox
from intake.storage.cases import by_number
from intake.storage.models import Case, OutboxMessage
from tests.conftest import ORG_FILE
from tests.mailhelpers import Sink, free_port, serving, store_submission, wait_for
from tests.salesforce_api import CLIENT_ID, CLIENT_SECRET, FakeSalesforce
from tests.slack_api import DEFAULT_TOKEN, FakeSlack
from tests.slack_app.helpers import T0, Clock
from tests.test_pipeline import COMPLETE_QUOTE, mail

DAY = timedelta(days=1)
PEOPLE = [
    "alex.martin",
    "priya.shah",
    "dan.schultz",
    "tara.nguyen",
    "omar.haddad",
    "ben.okafor",
    "rita.santos",
    "jon.price",
    "lena.fischer",
    "mike.welker",
]
USER_IDS = {key: f"005{n:012d}AAA" for n, key in enumerate(PEOPLE, 1)}
PCH = "001000000000001AAA"  # Prairie Crest Homes (ACC-1001) in Salesforce
CUSTOM = {
    "Case": {"Intake_Case_Number__c", "Factor__c"},
    "Opportunity": {"Intake_Case_Number__c", "PO_Number__c", "Loss_Reason__c"},
}


def org_with_salesforce(tmp_path: Path, extra: str = "") -> Path:
    """The demo organisation, each person with a Salesforce user id, Prairie Crest Homes
    with its Account id, and the factor mapped to a custom Case field."""
    text = ORG_FILE.read_text(encoding="utf-8")
    for key, user in USER_IDS.items():
        header = f'[people."{key}"]\n'
        assert header in text
        text = text.replace(header, f'{header}salesforce = "{user}"\n')
    header = '[accounts."ACC-1001"]\n'
    text = text.replace(header, f'{header}salesforce = "{PCH}"\n')
    text += '\n[salesforce.case_fields]\nFactor__c = "factor"\n' + extra
    path = tmp_path / "org.toml"
    path.write_text(text, encoding="utf-8")
    return path


def settings_for(database_url: str, tmp_path: Path, url: str, **salesforce: Any) -> Settings:
    return Settings.model_validate(
        {
            "database": {"url": database_url},
            "bot": {"org": str(org_with_salesforce(tmp_path))},
            "relay": {"spool_dir": str(tmp_path / "spool")},
            "outbox": {"backoff_first_seconds": 60, "backoff_max_seconds": 3600},
            "salesforce": {
                "instance_url": url,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "timeout_seconds": 2,
                **salesforce,
            },
        }
    )


class Bot:
    """The pipeline and the Salesforce dispatcher of one `intake serve`, run by hand."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings, self.clock = settings, clock
        self.app = build_app(settings)
        self.dispatcher = self.restart()

    def restart(self) -> SalesforceDispatcher:
        """A new dispatcher with a new client: what a restarted process has."""
        self.dispatcher = SalesforceDispatcher(
            self.app.sessions,
            SalesforceClient(self.settings.salesforce),
            self.app.org,
            self.settings.salesforce,
            self.settings.outbox,
            self.clock,
        )
        return self.dispatcher

    def receive(self, msg: Any) -> None:
        with self.app.sessions() as session, session.begin():
            store_submission(
                session,
                msg.as_bytes(),
                received_at=self.clock(),
                mail_from="alex.martin@example.com",
                rcpt_tos=["accountteam@example.com"],
            )
        drain(self.app.sessions, self.app.pipeline, lambda row: self.clock())

    def send(self) -> int:
        return self.dispatcher.dispatch()

    def case(self, number: str = "CASE-000001") -> Case:
        with self.app.sessions() as session:
            case = by_number(session, number)
            assert case is not None
            return case

    def rows(self) -> list[OutboxMessage]:
        with self.app.sessions() as session:
            stmt = select(OutboxMessage).where(OutboxMessage.channel == "salesforce")
            return list(session.scalars(stmt.order_by(OutboxMessage.id)))


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    names = {USER_IDS[k]: k.replace(".", " ").title() for k in PEOPLE}
    fields = {sobject: set(known) for sobject, known in CUSTOM.items()}
    with FakeSalesforce(tmp_path, users=names, custom_fields=fields, now=T0) as server:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_file))
        yield server


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def bot(migrated_database_url: str, tmp_path: Path, fake: FakeSalesforce, clock: Clock):
    running = Bot(settings_for(migrated_database_url, tmp_path, fake.url), clock)
    yield running
    running.app.close()


def segments_text(item: dict[str, Any]) -> str:
    return item["Body"]


# == one Case and one Opportunity per case, however often it is sent =========================


def test_a_quote_becomes_one_case_and_one_opportunity_across_lost_answers_and_restarts(
    bot: Bot, fake: FakeSalesforce, clock: Clock
) -> None:
    bot.receive(mail(COMPLETE_QUOTE, when=clock()))
    assert [r.kind for r in bot.rows()] == ["sf_sync", "sf_post"]
    fake.lose_next("upsert:Case")  # Salesforce creates the Case; its answer never comes
    assert bot.send() == 0
    sync = bot.rows()[0]
    assert (sync.state, sync.attempts) == ("pending", 1)
    assert "ConnectionError" in (sync.last_error or "")
    assert len(fake.records["Case"]) == 1
    assert not fake.feed  # the post waits for its case's sync
    clock.advance(hours=1)
    fake.lose_next("upsert:Opportunity")  # Case updated; Opportunity created, answer lost
    assert bot.send() == 0
    bot.restart()  # a new process, a new token
    clock.advance(hours=1)
    assert bot.send() == 2  # the sync again (changing nothing), then the announcement
    (case,) = fake.by_external("Case", "Intake_Case_Number__c", "CASE-000001")
    (opportunity,) = fake.by_external("Opportunity", "Intake_Case_Number__c", "CASE-000001")
    assert len(fake.records["Case"]) == len(fake.records["Opportunity"]) == 1
    assert case["Subject"] == "CASE-000001: Quote please"
    assert case["Status"] == "Working" and case["Origin"] == "Email"
    assert case["SuppliedEmail"] == "alex.martin@example.com"
    assert case["AccountId"] == PCH and case["Factor__c"] == "0.52"
    ours = bot.case()
    assert case["OwnerId"] == USER_IDS[ours.owner]
    assert ours.salesforce_id == case["Id"]
    assert opportunity == {
        "Id": opportunity["Id"],
        "Intake_Case_Number__c": "CASE-000001",
        "Name": "PCH - Lot 9",
        "StageName": "Submissions",
        "CloseDate": "2026-12-18",
        "Type": "Standard",
        "OwnerId": USER_IDS["alex.martin"],  # the account's AM owns the opportunity
        "AccountId": PCH,
    }
    assert [r.state for r in bot.rows()] == ["sent", "sent"]
    assert fake.routes().count("token") == 2


def test_a_post_whose_answer_was_lost_is_found_on_the_feed_not_made_again(
    bot: Bot, fake: FakeSalesforce, clock: Clock
) -> None:
    bot.receive(mail(COMPLETE_QUOTE, when=clock()))
    fake.lose_next("feed")
    assert bot.send() == 1  # the sync went; the post was made but its answer lost
    post = bot.rows()[1]
    assert (post.state, post.attempts) == ("pending", 1)
    assert len(fake.feed) == 1
    clock.advance(hours=1)
    bot.restart()
    assert bot.send() == 1
    assert len(fake.feed) == 1  # found by its reference, not posted twice
    assert fake.routes()[-2:] == ["token", "query"]
    assert bot.rows()[1].state == "sent"
    assert reference(post.id) in fake.feed[0]["Body"]


# == the feed: who is mentioned, and the thread of a case in order ===========================


def test_a_post_sent_again_by_an_operator_after_it_gave_up_is_not_doubled(
    migrated_database_url: str, tmp_path: Path, fake: FakeSalesforce, clock: Clock
) -> None:
    running = Bot(settings_for(migrated_database_url, tmp_path, fake.url, max_attempts=1), clock)
    try:
        running.receive(mail(COMPLETE_QUOTE, when=clock()))
        fake.lose_next("feed")
        assert running.send() == 1
        post = running.rows()[1]
        assert (post.state, post.attempts) == ("failed", 1)  # out of attempts: given up
        with running.app.sessions() as session, session.begin():
            resend_outbox(session, post.id, actor="cli", now=clock())
        clock.advance(minutes=1)
        assert running.send() == 1
        assert len(fake.feed) == 1 and fake.calls[-1].route == "query"
    finally:
        running.app.close()


def test_the_announcement_mentions_the_owner_and_the_thread_follows_in_order(
    bot: Bot, fake: FakeSalesforce, clock: Clock
) -> None:
    first = mail(COMPLETE_QUOTE, when=clock())
    bot.receive(first)
    bot.send()
    owner = bot.case().owner
    assert owner in ("tara.nguyen", "omar.haddad")  # a West rep, by the assignment rules
    (announcement,) = fake.feed
    assert {"type": "Mention", "id": USER_IDS[owner]} in announcement["segments"]
    assert {"type": "Mention", "id": USER_IDS["alex.martin"]} in announcement["segments"]
    assert announcement["Body"].startswith("New quote request CASE-000001: Prairie Crest Homes.")

    clock.advance(hours=2)
    reply = mail(
        "Also 2 patio doors please.",
        subject="Re: [CASE-000001] Quote please",
        when=clock(),
        headers={"In-Reply-To": first["Message-ID"], "References": first["Message-ID"]},
    )
    bot.receive(reply)
    warning_at = _next_reminder(bot)
    assert warning_at is not None
    reminders = sweep_until_done(bot.app.sessions, bot.app.pipeline.sla, lambda: warning_at)
    assert [(r.policy, r.step) for r in reminders] == [("case_owner_response", "warning")]
    clock.at = warning_at + timedelta(minutes=5)
    with bot.app.sessions() as session, session.begin():
        case = by_number(session, "CASE-000001")
        assert case is not None
        set_status(
            session,
            bot.app.pipeline.sla,
            case,
            "won",
            actor="tara.nguyen@example.com",
            now=clock(),
            po="PO 12345",
        )
    clock.advance(minutes=1)
    assert bot.send() == 5  # message, reminder, then the won status: sync and post
    bodies = [re.sub(r"\n\(intake #\d+\)$", "", item["Body"]) for item in fake.feed]
    name = owner.replace(".", " ").title()
    assert len(bodies) == 4
    assert bodies[1] == (f"@{name} new message from @Alex Martin:\nAlso 2 patio doors please.")
    assert bodies[2].startswith(
        f"@{name} Due soon: answer from the case owner for Prairie Crest Homes due "
    )
    assert bodies[3] == (f"@{name} status: won (was open), by @Tara Nguyen; PO PO 12345")
    (opportunity,) = fake.records["Opportunity"].values()
    assert opportunity["StageName"] == "Closed Won" and opportunity["PO_Number__c"] == "PO 12345"
    (case,) = fake.records["Case"].values()
    assert case["Status"] == "Closed"
    assert all(item["ParentId"] == case["Id"] for item in fake.feed)


def test_an_escalation_mentions_the_teams_manager_then_the_owner(
    bot: Bot, fake: FakeSalesforce, clock: Clock
) -> None:
    bot.receive(mail(COMPLETE_QUOTE, when=clock()))
    for days in (2, 3):  # the quote is due in two working days; a day in breach escalates
        sweep_until_done(bot.app.sessions, bot.app.pipeline.sla, lambda d=days: T0 + d * DAY)
    clock.advance(days=3)
    while bot.send():
        pass
    owner = bot.case().owner
    assert owner is not None
    (escalation,) = [i for i in fake.feed if "Escalation: " in i["Body"]]
    assert escalation["segments"][:4] == [
        {"type": "Mention", "id": USER_IDS["lena.fischer"]},  # West's manager
        {"type": "Text", "text": " "},
        {"type": "Mention", "id": USER_IDS[owner]},
        {"type": "Text", "text": " "},
    ]
    assert escalation["Body"].startswith(
        f"@Lena Fischer @{owner.replace('.', ' ').title()} Escalation: quote for Prairie Crest"
    )


def _next_reminder(bot: Bot) -> datetime | None:
    from intake.storage.models import SlaClock

    with bot.app.sessions() as session:
        stmt = select(SlaClock.next_at).where(SlaClock.next_at.is_not(None))
        return session.scalar(stmt.order_by(SlaClock.next_at).limit(1))


# == Salesforce's answers: an expired session, 503, the API limit, a refusal ==================


def test_an_expired_session_gets_a_new_token_and_the_call_is_made_once_more(
    bot: Bot, fake: FakeSalesforce
) -> None:
    bot.receive(mail(COMPLETE_QUOTE, when=bot.clock()))
    assert bot.send() == 2
    fake.expire_tokens()
    with bot.app.sessions() as session, session.begin():
        case = by_number(session, "CASE-000001")
        assert case is not None
        set_status(
            session, bot.app.pipeline.sla, case, "lost", actor="cli", now=bot.clock(), reason="p"
        )
    assert bot.send() == 2
    statuses = [(c.route, c.status) for c in fake.calls[-5:]]
    assert statuses == [
        ("upsert:Case", 401),
        ("token", 200),
        ("upsert:Case", 200),
        ("upsert:Opportunity", 200),
        ("feed", 201),
    ]
    (opportunity,) = fake.records["Opportunity"].values()
    assert opportunity["StageName"] == "Closed Lost" and opportunity["Loss_Reason__c"] == "p"


def test_503_is_retried_with_backoff_and_the_api_limit_pauses_every_send(
    bot: Bot, fake: FakeSalesforce, clock: Clock
) -> None:
    bot.receive(mail(COMPLETE_QUOTE, when=clock()))
    bot.receive(mail(COMPLETE_QUOTE.replace("Lot 9", "Lot 10"), when=clock()))
    fake.fail_next("upsert:Case", 503)
    assert bot.send() == 0  # a 503 ends the round
    first = bot.rows()[0]
    assert (first.state, first.attempts) == ("pending", 1)
    assert first.last_error == "HTTP 503 SERVER_UNAVAILABLE: Service Unavailable"
    assert first.next_attempt_at is not None and first.next_attempt_at >= clock() + timedelta(
        seconds=48
    )
    clock.advance(seconds=61)  # past the channel's short pause
    fake.fail_next("upsert:Case", 403, "REQUEST_LIMIT_EXCEEDED")
    before = {r.id: r.attempts for r in bot.rows()}
    assert bot.send() == 0
    assert fake.calls[-1].status == 403  # the round ended with the refusal
    (limited,) = [r for r in bot.rows() if "REQUEST_LIMIT_EXCEEDED" in (r.last_error or "")]
    assert limited.attempts == before[limited.id]  # being out of API calls is no failed attempt
    assert limited.next_attempt_at == clock() + timedelta(seconds=900)
    calls = len(fake.calls)
    clock.advance(seconds=600)  # still within limit_pause_seconds (900)
    assert bot.send() == 0 and len(fake.calls) == calls  # nothing is even tried
    clock.advance(hours=2)
    assert bot.send() == 4
    assert len(fake.records["Case"]) == 2 and len(fake.feed) == 2


@pytest.mark.parametrize(
    ("status", "header", "wait"),
    [
        (503, "600", timedelta(seconds=600)),  # seconds
        (503, format_datetime(T0 + timedelta(minutes=12), usegmt=True), timedelta(minutes=12)),
        (429, "86400", timedelta(seconds=900)),  # a day asked for: retry_after_max_seconds
    ],
)
def test_retry_after_of_a_503_or_429_is_the_earliest_next_attempt(
    bot: Bot, fake: FakeSalesforce, clock: Clock, status: int, header: str, wait: timedelta
) -> None:
    bot.receive(mail(COMPLETE_QUOTE, when=clock()))
    fake.fail_next("upsert:Case", status, retry_after=header)
    assert bot.send() == 0
    sync = bot.rows()[0]
    assert (sync.state, sync.attempts) == ("pending", 1)  # retried, not failed (a 429 too)
    assert sync.next_attempt_at == clock() + wait  # later than the backoff (60 s ± 20 %)
    calls = len(fake.calls)
    clock.at += wait - timedelta(seconds=1)
    assert bot.send() == 0 and len(fake.calls) == calls  # every send waits, not only the row
    clock.advance(seconds=1)
    assert bot.send() == 2


# == the lease on a taken row =================================================================


@pytest.mark.parametrize("timeout", [0.5, 2, 20, 300])
def test_the_lease_outlasts_the_longest_attempt_the_session_allows(timeout: float) -> None:
    """If the lease ended while a request of the attempt could still land, a second
    dispatcher could read the feed before the first one's post arrives, and post again."""
    settings = Settings.model_validate(
        {
            "salesforce": {
                "instance_url": "https://example.my.salesforce.com",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "timeout_seconds": timeout,
            }
        }
    ).salesforce
    session = SalesforceClient(settings).http
    connect, answer = session.timeout  # what every request is given
    assert session.limit == REQUESTS_PER_ROW
    longest = REQUESTS_PER_ROW * timedelta(seconds=connect + answer)
    assert attempt_lease(settings) >= longest + timedelta(seconds=5)


def test_a_taken_row_is_leased_while_its_requests_travel(
    bot: Bot, fake: FakeSalesforce, clock: Clock
) -> None:
    bot.receive(mail(COMPLETE_QUOTE, when=clock()))
    seen: list[datetime | None] = []

    def look(route: str) -> None:
        if route == "upsert:Case":
            seen.append(bot.rows()[0].next_attempt_at)

    fake.on_request = look
    assert bot.send() == 2
    assert seen == [clock() + attempt_lease(bot.settings.salesforce)]


def test_an_attempt_makes_no_more_requests_than_its_lease_allows(
    bot: Bot, fake: FakeSalesforce
) -> None:
    session = bot.dispatcher.client.http
    form = {"grant_type": "client_credentials", "client_id": CLIENT_ID}
    session.begin_attempt()
    for _ in range(REQUESTS_PER_ROW):
        session.post(f"{fake.url}/services/oauth2/token", data=form)
    with pytest.raises(AttemptOverrun):
        session.post(f"{fake.url}/services/oauth2/token", data=form)
    assert len(fake.calls) == REQUESTS_PER_ROW  # the one too many never left
    session.begin_attempt()  # the next row's attempt starts afresh
    session.post(f"{fake.url}/services/oauth2/token", data=form)
    assert len(fake.calls) == REQUESTS_PER_ROW + 1


def test_a_field_the_org_lacks_fails_the_row_with_salesforces_words(
    migrated_database_url: str, tmp_path: Path, fake: FakeSalesforce, clock: Clock
) -> None:
    fake.custom_fields["Case"] = {"Intake_Case_Number__c"}  # nobody added Factor__c
    running = Bot(settings_for(migrated_database_url, tmp_path, fake.url), clock)
    try:
        running.receive(mail(COMPLETE_QUOTE, when=clock()))
        assert running.send() == 0
        sync, post = running.rows()
        assert sync.state == "failed" and sync.attempts == 1
        assert sync.last_error == (
            "HTTP 400 INVALID_FIELD: No such column 'Factor__c' on sobject of type Case"
        )
        assert post.state == "failed"
        assert post.last_error == "no Salesforce Case for CASE-000001 (its sync failed?)"
    finally:
        running.app.close()


def test_tls_is_verified_against_the_standard_ca_bundle_variables(
    bot: Bot, fake: FakeSalesforce, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot.receive(mail(COMPLETE_QUOTE, when=bot.clock()))
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(Path(__file__)))  # no CA in there
    bot.restart()
    assert bot.send() == 0
    assert "SSLError" in (bot.rows()[0].last_error or "")
    assert fake.calls == []  # nothing reached the server without a trusted certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(fake.ca_file))
    bot.restart()
    bot.clock.advance(hours=1)
    assert bot.send() == 2


# == settings ====================================================================================


def test_salesforce_settings_from_the_environment_all_or_none(tmp_path: Path) -> None:
    env = {
        "INTAKE_SALESFORCE_URL": "https://example.my.salesforce.com/",
        "SALESFORCE_CLIENT_ID": "id",
        "SALESFORCE_CLIENT_SECRET": "secret",
    }
    settings = load_settings(None, env=env)
    assert settings.salesforce.enabled
    assert settings.salesforce.instance_url == "https://example.my.salesforce.com"
    assert not load_settings(None, env={}).salesforce.enabled
    with pytest.raises(ConfigError, match="Salesforce needs client_secret too"):
        load_settings(None, env={k: v for k, v in env.items() if "SECRET" not in k})
    with pytest.raises(ConfigError, match="expected an https:// URL"):
        load_settings(None, env={**env, "INTAKE_SALESFORCE_URL": "http://example.com"})


# == Salesforce down holds up nothing else ====================================================


def test_salesforce_down_never_holds_up_email_or_slack(
    migrated_database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    dead = f"https://127.0.0.1:{free_port()}"  # nothing listens there
    smtp_port = free_port()
    with Sink() as sink, FakeSlack() as slack:
        settings = settings_for(migrated_database_url, tmp_path, dead, poll_seconds=0.05)
        settings = settings.model_copy(
            update={
                "smtp": settings.smtp.model_copy(update={"listen": f"127.0.0.1:{smtp_port}"}),
                "relay": settings.relay.model_copy(update={"address": sink.address}),
                "outbox": settings.outbox.model_copy(update={"poll_seconds": 0.05}),
                "slack": settings.slack.model_copy(
                    update={
                        "bot_token": DEFAULT_TOKEN,
                        "signing_secret": "s",
                        "api_url": slack.base_url,
                        "poll_seconds": 0.05,
                    }
                ),
            }
        )
        caplog.set_level(logging.INFO, logger="intake")
        with serving(settings) as app:
            with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
                smtp.send_message(
                    mail(COMPLETE_QUOTE, when=datetime.now(UTC)),
                    to_addrs=["accountteam@example.com"],
                )
            wait_for(lambda: sink.count == 1)  # the acknowledgement went out
            (announcement,) = wait_for(lambda: slack.posts("C0WESTQ01"))  # and the Slack post
            assert announcement.args["text"].startswith("CASE-000001 quote request")
            stmt = select(OutboxMessage).where(OutboxMessage.channel == "salesforce")

            def tried() -> list[OutboxMessage]:
                with app.sessions() as session:  # a new snapshot each time
                    return [r for r in session.scalars(stmt) if r.last_error]

            rows = wait_for(tried)
            assert rows[0].state == "pending" and "ConnectionError" in (rows[0].last_error or "")
    assert f"Salesforce on ({dead}, API v62.0)" in caplog.text
