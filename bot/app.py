"""The composition root: settings in, a ready database and pipeline out.

Everything with a lifetime (engine, organisation, extractor, templates) is built here once
and handed to the front doors, the worker and the dispatcher.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from intake.bot.config import ConfigError, ExtractionSettings, Settings
from intake.handlers.pipeline import Extractor, PipelineConfig
from intake.handlers.replies import ReplyRenderer, footer_of
from intake.handlers.reply_budget import Budget
from intake.handlers.salesforce_feed import SalesforceFeed
from intake.handlers.senders import SenderPolicy
from intake.handlers.sla import SlaRuntime
from intake.handlers.sla_policy import load_sla
from intake.handlers.slack_feed import SlackFeed
from intake.parsers.fields import LabelExtractor
from intake.parsers.message import ParsedMessage
from intake.parsers.mime import parse_email
from intake.parsers.org import Organisation, load_organisation
from intake.parsers.slack_event import parse_slack_event
from intake.storage import db

log = logging.getLogger("intake")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class App:
    settings: Settings
    org: Organisation
    engine: Engine
    sessions: sessionmaker[Session]
    pipeline: PipelineConfig

    def close(self) -> None:
        self.engine.dispose()


def build_extractor(org: Organisation, settings: ExtractionSettings | None = None) -> Extractor:
    """The field extractor of a running bot (also used alone by `intake extract`)."""
    model = (settings or ExtractionSettings()).spacy_model
    try:
        return LabelExtractor(org, spacy_model=model)
    except ValueError as exc:  # the configured spaCy model is not installed
        raise ConfigError(f"extraction.spacy_model: {exc}") from None


def slack_parser(org: Organisation) -> Callable[[bytes], ParsedMessage]:
    """Stored Slack events to messages, with the organisation's Slack users as senders."""
    people = {p.slack: (p.name, p.email) for p in org.people.values() if p.slack}
    return lambda raw: parse_slack_event(raw, people)


def build_sla(
    org: Organisation,
    renderer: ReplyRenderer,
    source: str,
    slack: SlackFeed | None = None,
    salesforce: SalesforceFeed | None = None,
) -> SlaRuntime:
    """The SLA policies and calendars of the organisation file, ready for the clocks."""
    try:
        config = load_sla(org.sla, org.teams, time_zone=org.time_zone, country=org.phone_region)
    except ValueError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    return SlaRuntime(config=config, org=org, renderer=renderer, slack=slack, salesforce=salesforce)


def build_app(
    settings: Settings,
    *,
    database_url: str | None = None,
    migrate: bool = True,
    trust_replay: bool = True,
) -> App:
    """Load the organisation, open (and migrate) the database, build the pipeline.
    `trust_replay=False`: replayed files' senders are judged like live mail's."""
    org = load_organisation(settings.bot.org)
    engine = db.make_engine(database_url or settings.database.url)
    if migrate:
        db.upgrade(engine)
    renderer = ReplyRenderer(settings.bot.templates, settings.bot.from_name, footer_of(org))
    slack = SlackFeed(org) if settings.slack.enabled else None
    salesforce = SalesforceFeed(org) if settings.salesforce.enabled else None
    pipeline = PipelineConfig(
        org=org,
        extractor=build_extractor(org, settings.extraction),
        renderer=renderer,
        case_prefix=settings.bot.case_prefix,
        case_digits=settings.bot.case_digits,
        budget=Budget(
            per_hour=settings.bot.replies_per_address_per_hour,
            per_day=settings.bot.replies_per_address_per_day,
            refusals_per_day=settings.bot.refusals_per_sender_per_day,
        ),
        confirm_below=settings.bot.confirm_below,
        parse=parse_email,
        parse_slack=slack_parser(org),
        sla=build_sla(org, renderer, settings.bot.org, slack, salesforce),
        slack=slack,
        salesforce=salesforce,
        senders=SenderPolicy(authserv_id=settings.senders.authserv_id, trust_replay=trust_replay),
    )
    return App(settings, org, engine, db.make_sessionmaker(engine), pipeline)
