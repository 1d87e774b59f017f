"""Fixtures of the Slack app tests: the bot's clock, the settings of a bot on the migrated
database against the fake Web API (`slack`, tests/conftest.py), and one running `Bot`."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.bot.config import Settings
from tests.slack_api import FakeSlack
from tests.slack_app.helpers import Bot, Clock, settings_for


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(migrated_database_url: str, tmp_path: Path, slack: FakeSlack) -> Settings:
    return settings_for(migrated_database_url, tmp_path, slack.base_url)


@pytest.fixture
def bot(settings: Settings, clock: Clock):
    running = Bot(settings, clock)
    yield running
    running.close()
