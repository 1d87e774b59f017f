"""The peer side of bench/peer.py: django-helpdesk 2.6.1's email -> ticket, one timed pass.

Run by the virtual environment bench/peer.py makes for it (var/peer/venv-helpdesk), never
by ours: it imports nothing of intake. Each message goes the way helpdesk's own mailbox
loops send it: `force_str(raw, errors="replace")`, then `helpdesk.email.
extract_email_metadata(message, queue, logger)`, which parses it (stdlib, policy=default),
strips quoted replies (email_reply_parser), creates the Ticket and its FollowUp, saves the
attachments under MEDIA_ROOT and renders and sends the "newticket_submitter"
acknowledgement (Django templates, text + HTML) to Django's in-memory mail backend. Each
message is one transaction (`transaction.atomic()`), on SQLite in WAL mode with
synchronous=FULL, as intake's side is run.

Django is configured here (no settings module): SQLite file and media under --work. The
migrated database with its one Queue is made once per --work folder and copied (untimed)
before the pass. Prints one JSON line: messages, seconds, rate, and what the pass made.

usage: peer_helpdesk.py --msgs DIR --work DIR
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import time
import types
from pathlib import Path


def configure(work: Path) -> None:
    import django
    from django.conf import settings

    settings.configure(
        SECRET_KEY="bench-only-not-secret",
        DEBUG=False,  # True would keep every SQL statement in memory
        ALLOWED_HOSTS=["*"],
        USE_TZ=True,
        TIME_ZONE="UTC",
        SITE_ID=1,
        ROOT_URLCONF="peer_urls",  # ticket links in the mails need helpdesk's URL names
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        INSTALLED_APPS=[
            "django.contrib.admin",
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.sites",
            "django.contrib.messages",
            "django.contrib.humanize",
            "rest_framework",
            "helpdesk",
        ],
        MIDDLEWARE=[  # only for admin's system checks: no request is served
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
        ],
        HELPDESK_TEAMS_MODE_ENABLED=False,  # teams need the optional pinax-teams app
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,
                "OPTIONS": {
                    "context_processors": [
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages",
                        "django.template.context_processors.request",
                    ]
                },
            }
        ],
        DATABASES={
            "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(work / "helpdesk.db")}
        },
        MEDIA_ROOT=str(work / "media"),
        MEDIA_URL="/media/",
        STATIC_URL="/static/",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DEFAULT_FROM_EMAIL="helpdesk@example.com",
        LOGGING={
            "version": 1,
            "disable_existing_loggers": False,
            "handlers": {"null": {"class": "logging.NullHandler"}},
            "root": {"handlers": ["null"], "level": "WARNING"},
        },
    )
    django.setup()
    from django.urls import include, path

    urls = types.ModuleType("peer_urls")
    urls.urlpatterns = [path("helpdesk/", include("helpdesk.urls", namespace="helpdesk"))]
    sys.modules["peer_urls"] = urls

    from django.db.backends.signals import connection_created

    def durability(sender, connection, **kwargs) -> None:  # noqa: ANN001
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")

    connection_created.connect(durability)


def fresh_database(work: Path) -> None:
    """The migrated database with one Queue, made once; copied over the live one."""
    from django.core.management import call_command
    from django.db import connections

    db = work / "helpdesk.db"
    template = work / "helpdesk.db.template"
    connections.close_all()
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        path.unlink(missing_ok=True)
    if not template.exists():
        from helpdesk.models import Queue

        call_command("migrate", verbosity=0)
        Queue.objects.create(
            title="Quotes",
            slug="quotes",
            email_address="accountteam@example.com",
            allow_email_submission=True,
            email_box_type="imap",
            logging_type="none",
        )
        connections.close_all()
        shutil.copy(db, template)
        for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            path.unlink(missing_ok=True)
    shutil.copy(template, db)
    shutil.rmtree(work / "media", ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--msgs", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    configure(args.work)

    from django.core import mail
    from django.db import transaction
    from django.utils.encoding import force_str
    from helpdesk.email import extract_email_metadata
    from helpdesk.models import FollowUp, Queue, Ticket

    raws = [p.read_bytes() for p in sorted(args.msgs.glob("*.eml"))]
    logger = logging.getLogger("django.helpdesk.queue.quotes")  # as process_email() makes it
    logger.handlers, logger.propagate = [], False  # for logging_type "none"

    def one_pass(messages: list[bytes]) -> None:
        queue = Queue.objects.get(slug="quotes")
        for raw in messages:
            with transaction.atomic():
                ticket = extract_email_metadata(
                    message=force_str(raw, errors="replace"), queue=queue, logger=logger
                )
            assert ticket is not None

    fresh_database(args.work)
    one_pass(raws[:1])  # untimed: imports, template compilation, the first queries
    fresh_database(args.work)
    mail.outbox = []
    start, cpu = time.perf_counter(), time.process_time()
    one_pass(raws)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    media = sum(len(files) for _, _, files in os.walk(args.work / "media"))
    print(
        json.dumps(
            {
                "side": "django-helpdesk 2.6.1",
                "messages": len(raws),
                "seconds": seconds,
                "rate": len(raws) / seconds,
                "cpu_ms": 1000 * cpu / len(raws),
                "tickets": Ticket.objects.count(),
                "followups": FollowUp.objects.count(),
                "acks": len(mail.outbox),
                "media_files": media,
            }
        )
    )


if __name__ == "__main__":
    main()
