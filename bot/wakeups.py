"""Wakes between loops: at once in this process, and through PostgreSQL in every other.

A loop sleeps between rounds (bot/loop.py) and polls only as a fallback; what makes the bot
quick is that whoever creates work wakes whoever takes it. In one process that is an
`Event`. With worker processes, or several machines on one database, the one who stored a
message is rarely the one who will process it, so `poke` also sends a PostgreSQL `NOTIFY`,
and every process `LISTEN`s and wakes its own loops. Notifications carry nothing and may be
lost (a reconnect): they only shorten a wait, the database rows remain the truth, and a
reconnect wakes every loop once in case something was missed.

`poke` never touches the network in the caller's thread (the SMTP front door calls it from
its event loop): it marks the topic and a sender thread sends one `NOTIFY` per topic for
however many pokes came meanwhile. On SQLite (one process) only the local wakes happen.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import defaultdict

from sqlalchemy import Engine, text

log = logging.getLogger("intake.wakeups")

# What there is to wake for, and its PostgreSQL channel.
CHANNELS = {"inbox": "intake_inbox", "outbox": "intake_outbox"}
RECONNECT_WAIT = 2.0  # seconds between attempts to listen again after losing the database


class Wakeups:
    """Register events with `on(topic, event)`; wake them everywhere with `poke(topic)`."""

    def __init__(self, engine: Engine | None = None) -> None:
        """`engine`: the shared database; not PostgreSQL (or None): this process only."""
        remote = engine is not None and engine.dialect.name == "postgresql"
        self.engine = engine if remote else None
        self.local: dict[str, list[threading.Event]] = defaultdict(list)
        self.stopping = threading.Event()
        self._poked: set[str] = set()
        self._poked_lock = threading.Lock()
        self._send = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def shared(self) -> bool:
        """Do pokes reach other processes?"""
        return self.engine is not None

    def on(self, topic: str, event: threading.Event) -> None:
        if topic not in CHANNELS:
            raise ValueError(f"unknown topic {topic!r}")
        self.local[topic].append(event)

    def poke(self, topic: str) -> None:
        """Wake `topic`'s loops here at once, and elsewhere as soon as the sender can."""
        for event in self.local[topic]:
            event.set()
        if self.engine is not None:
            with self._poked_lock:
                self._poked.add(topic)
            self._send.set()

    def _wake_local(self, channel: str | None = None) -> None:
        for topic, name in CHANNELS.items():
            if channel is None or channel == name:
                for event in self.local[topic]:
                    event.set()

    def start(self) -> None:
        if self.engine is None:
            return
        for target, name in ((self._sender, "notify"), (self._listener, "listen")):
            thread = threading.Thread(target=target, name=f"intake-wakeups-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self.stopping.set()
        self._send.set()
        for thread in self._threads:
            thread.join(5)

    def _sender(self) -> None:
        assert self.engine is not None
        failing = False
        while not self.stopping.is_set():
            self._send.wait()
            self._send.clear()
            with self._poked_lock:
                topics, self._poked = self._poked, set()
            if not topics or self.stopping.is_set():
                continue
            try:
                with self.engine.connect() as conn:
                    for topic in sorted(topics):
                        conn.execute(text(f"NOTIFY {CHANNELS[topic]}"))
                    conn.commit()
                failing = False
            except Exception as exc:  # noqa: BLE001 - a lost wake only means a poll's delay
                if not failing:
                    log.warning("cannot notify other processes (%s); they will poll", exc)
                failing = True
                self.stopping.wait(RECONNECT_WAIT)

    def _listener(self) -> None:
        assert self.engine is not None
        failing = False
        while not self.stopping.is_set():
            try:
                raw = self.engine.raw_connection()
            except Exception as exc:  # noqa: BLE001 - the database is down: try again later
                if not failing:
                    log.warning("cannot listen for wakes (%s); polling meanwhile", exc)
                failing = True
                self.stopping.wait(RECONNECT_WAIT)
                continue
            try:
                conn = raw.driver_connection
                conn.autocommit = True
                for channel in CHANNELS.values():
                    conn.execute(f"LISTEN {channel}")
                if failing:
                    log.info("listening for wakes again")
                failing = False
                self._wake_local()  # whatever was poked while we were not listening
                while not self.stopping.is_set():
                    for note in conn.notifies(timeout=1.0):
                        self._wake_local(note.channel)
            except Exception as exc:  # noqa: BLE001
                if not self.stopping.is_set() and not failing:
                    log.warning("lost the wake listener (%s); reconnecting", exc)
                failing = True
                self.stopping.wait(RECONNECT_WAIT)
            finally:
                with contextlib.suppress(Exception):  # it is going away either way
                    raw.invalidate()  # never hand a LISTENing connection back to the pool
