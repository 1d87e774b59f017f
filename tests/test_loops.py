"""The one loop every queue runs in (bot/loop.py) and the wakes between processes
(bot/wakeups.py): woken at once, polling as a fallback, a failing round backed off and
survived, and on PostgreSQL a poke in one process waking the loops of another."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from intake.bot import loop
from intake.bot.cli import main
from intake.bot.loop import Loop
from intake.bot.wakeups import Wakeups
from intake.storage import db
from tests.conftest import ORG_FILE
from tests.mailhelpers import wait_for


class WatchedEvent(threading.Event):
    """An Event that tells when someone waits on it: a loop's `wake`, to know the loop has
    finished its round and gone to sleep (instead of giving it a moment to)."""

    def __init__(self) -> None:
        super().__init__()
        self.waited = threading.Event()

    def wait(self, timeout: float | None = None) -> bool:
        self.waited.set()
        return super().wait(timeout)


class Counting(Loop):
    """Counts rounds; fails the first `failures`; reports work `busy` times."""

    def __init__(self, poll_seconds: float, failures: int = 0, busy: int = 0) -> None:
        super().__init__("test-loop", poll_seconds=poll_seconds)
        self.rounds, self.failures, self.busy = 0, failures, busy
        self.lock = threading.Lock()
        self.events: list[str] = []

    def setup(self) -> None:
        self.events.append("setup")

    def round(self) -> bool:
        with self.lock:
            self.rounds += 1
        if self.failures:
            self.failures -= 1
            raise RuntimeError("database down")
        if self.busy:
            self.busy -= 1
            return True
        return False

    def teardown(self) -> None:
        self.events.append("teardown")


@pytest.fixture
def running() -> Iterator[list[Loop]]:
    started: list[Loop] = []
    yield started
    for each in started:
        each.stop()
        each.join(5)


def test_a_loop_runs_at_once_then_when_woken_not_before(running) -> None:
    looping = Counting(poll_seconds=60)
    looping.wake = WatchedEvent()
    running.append(looping)
    looping.start()
    assert looping.wake.waited.wait(5)  # after its first round it went to sleep
    assert looping.rounds == 1  # a minute's poll: it sleeps
    looping.wake.set()
    wait_for(lambda: looping.rounds == 2, timeout=5)
    looping.stop()
    looping.join(5)
    assert not looping.is_alive() and looping.events == ["setup", "teardown"]


def test_a_loop_goes_again_at_once_while_it_finds_work(running) -> None:
    looping = Counting(poll_seconds=60, busy=3)
    running.append(looping)
    looping.start()
    wait_for(lambda: looping.rounds == 4, timeout=5)  # three busy rounds and an idle one


def test_a_failing_round_is_logged_backed_off_and_survived(running, caplog, monkeypatch) -> None:
    monkeypatch.setattr(loop, "MAX_ERROR_WAIT", 0.2)
    caplog.set_level(logging.INFO, logger="intake.loop")
    looping = Counting(poll_seconds=0.01, failures=3)
    running.append(looping)
    looping.start()
    wait_for(lambda: looping.rounds >= 5, timeout=10)
    assert looping.is_alive()
    messages = [r.getMessage() for r in caplog.records]
    assert sum("round failed;" in m for m in messages) == 1  # the traceback once
    assert sum("round failed again" in m for m in messages) == 2  # then one line each
    assert any("working again after 3 failed rounds" in m for m in messages)
    full = next(r for r in caplog.records if "round failed;" in r.getMessage())
    assert full.exc_info is not None


def test_a_poke_wakes_the_loops_of_this_process() -> None:
    wakeups = Wakeups(None)
    inbox, outbox = threading.Event(), threading.Event()
    wakeups.on("inbox", inbox)
    wakeups.on("outbox", outbox)
    wakeups.poke("outbox")
    assert outbox.is_set() and not inbox.is_set() and not wakeups.shared
    with pytest.raises(ValueError):
        wakeups.on("elsewhere", inbox)


def test_on_postgresql_a_poke_wakes_another_process(database_url: str) -> None:
    engine = db.make_engine(database_url)
    try:
        if engine.dialect.name != "postgresql":
            pytest.skip("SQLite serves one process: wakes stay in it")
        here, there = Wakeups(engine), Wakeups(engine)
        woken = threading.Event()
        there.on("inbox", woken)
        here.start()
        there.start()
        try:
            # `there` is listening: once it has, it wakes its loops (in case it missed one).
            assert woken.wait(10), "the other process never listened"
            woken.clear()
            here.poke("inbox")
            assert woken.wait(5), "the other process was not woken"
            woken.clear()
            here.poke("outbox")  # not what `there` waits for
            assert not woken.wait(0.5)
        finally:
            here.stop()
            there.stop()
    finally:
        engine.dispose()


def test_worker_processes_on_sqlite_are_refused_in_one_line(tmp_path: Path) -> None:
    config = tmp_path / "intake.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path}/x.db"\n[bot]\norg = "{ORG_FILE}"\n'
        f'[smtp]\nlisten = "127.0.0.1:1"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["--config", str(config), "serve", "--workers", "2"])
    assert result.exit_code == 1
    assert "worker processes need PostgreSQL" in result.output
    assert "Traceback" not in result.output
