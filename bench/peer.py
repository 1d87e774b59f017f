"""Benchmark: intake against django-helpdesk 2.6.1 on one 500-message mix, in one run.

The mix is the one the per-message cost issue measured (`../shared/tools/peer-bench`),
rebuilt here from its fixed seed (the same bytes but for the MIME boundaries, which the
email package draws at random): 500 staff quote requests from Alex Martin to
accountteam@, 70 % plain text (~1.5 KB), 20 % text + HTML, 10 % with a 200 KB attachment.
Both sides read the same files, in process, one message after another, each in a fresh
SQLite database in WAL mode with synchronous=FULL (every commit reaches the disk):

  intake          what `intake serve` does with a message, without the socket: the front
                  door stores it and commits (the sender may be told 250), then the worker
                  processes it in one transaction (case, fields, owner, clocks, events,
                  attachments, the acknowledgement as an outbox row). Built by `build_app`
                  with the demo organisation; one message processed first, untimed.
  django-helpdesk extract_email_metadata -> Ticket + FollowUp + attachments + the
                  acknowledgement mail (in memory), one transaction per message
                  (bench/peer_helpdesk.py, in its own virtual environment).

Each run of each side is its own process, the two alternate (A/B interleaved, the order
swapped every round) so both see the same machine load; the bare stdlib parse of the same
messages (`message_from_bytes(policy=default)` + body) is measured between them as a
yardstick. The peer's virtual environment is made under var/peer with pip from PyPI on
first use; if that or the peer fails, the reason is printed and intake's side still runs.

usage: python bench/peer.py [--runs 5] [--messages 500] [--no-peer]
"""

from __future__ import annotations

import argparse
import contextlib
import email
import email.policy
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORK = ROOT / "var" / "peer"
PEER_VENV = WORK / "venv-helpdesk"
PEER = "django-helpdesk==2.6.1"

# --- the mix (../shared/tools/peer-bench/gen_msgs.py and run.sh, seed 42) ----------------

FIRST = ["Anna", "Ben", "Carla", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas"]
LAST = ["Meyer", "Okafor", "Schmidt", "Tanaka", "Rossi", "Novak", "Berg", "Lopez", "Khan", "Dubois"]
COMPANIES = [
    "Acme Logistics", "Borealis Foods", "Cobalt Mining", "Delta Textiles", "Evergreen Farms",
    "Fjord Shipping", "Granite Works", "Helios Solar", "Iris Pharma", "Juno Retail",
]  # fmt: skip
STAFF_AM = b"Alex Martin <alex.martin@example.com>"
PRODUCTS = ["freight cover", "credit insurance", "property policy", "fleet policy", "cargo cover"]
FILLER = (
    "We have reviewed last year's figures with our finance team and would like to move forward "
    "before the end of the quarter. Please note that the turnover figures are provisional and "
    "may change slightly after the audit. Our previous provider quoted a higher rate, so we "
    "would appreciate a competitive offer. Feel free to call me if anything is unclear. "
)


def _body(rng: random.Random, name: str, company: str) -> str:
    close = (datetime(2025, 1, 1) + timedelta(days=rng.randint(10, 300))).strftime("%d.%m.%Y")
    lines = [
        "Dear underwriting team,",
        "",
        f"please prepare a quote for {company} regarding our {rng.choice(PRODUCTS)}.",
        "",
        f"Account: {rng.randint(100000, 999999)}-{rng.choice('ABCDEFGH')}",
        f"Factor: {rng.choice([0.52, 0.48, 0.61, 0.75, 0.33])}",
        f"Close date: {close}",
        f"Sum insured: EUR {rng.randint(1, 90) * 100000:,}",
        f"Broker ref: BR-{rng.randint(1000, 9999)}",
        f"Contact phone: +49 {rng.randint(30, 89)} {rng.randint(1000000, 9999999)}",
        "",
    ]
    text = "\n".join(lines) + "\n"
    while len(text) < 1400:
        text += FILLER
    return text + f"\n\nBest regards,\n{name}\n{company}\n"


def build_mix(count: int = 500, seed: int = 42) -> list[bytes]:
    """The messages, in order: i % 10 in 0-6 plain, 7-8 text + HTML, 9 a 200 KB JPEG; then
    sent by a staff AM to the quote mailbox (From and To rewritten as run.sh does)."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        company = rng.choice(COMPANIES)
        msg = EmailMessage()
        msg["From"] = f"{name} <{name.split()[0].lower()}@{company.split()[0].lower()}.example>"
        msg["To"] = "Quotes Desk <quotes@insurer.example>"
        msg["Subject"] = f"Quote request {company} #{1000 + i}"
        when = datetime(2025, 3, 1, tzinfo=UTC) + timedelta(minutes=7 * i)
        msg["Date"] = format_datetime(when)
        msg["Message-ID"] = f"<q{i}.20250301@mail.example>"
        text = _body(rng, name, company)
        msg.set_content(text)
        if i % 10 in (7, 8):
            paragraphs = "".join(f"<p>{line}</p>" for line in text.split("\n") if line)
            msg.add_alternative(f"<html><body>{paragraphs}</body></html>", subtype="html")
        elif i % 10 == 9:
            blob = rng.randbytes(200 * 1024)
            msg.add_attachment(
                b"\xff\xd8\xff\xe0" + blob,
                maintype="image",
                subtype="jpeg",
                filename=f"scan_{i}.jpg",
            )
        head, sep, body = msg.as_bytes().partition(b"\n\n")
        head = re.sub(
            rb"^From: .*$", b"From: Alex Martin <alex.martin@example.com>", head, flags=re.M
        )
        head = re.sub(rb"^To: .*$", b"To: Account Team <accountteam@example.com>", head, flags=re.M)
        out.append(head + sep + body)
    return out


def write_mix(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.eml"):
        old.unlink()
    for i, raw in enumerate(build_mix(count)):
        (folder / f"{i:04d}.eml").write_bytes(raw)
    return folder


# --- intake's side (run as its own process: `peer.py --side intake DIR`) -----------------


def deliver(app, raw: bytes, received_at: datetime | None = None):  # noqa: ANN001, ANN201
    """What `intake serve` does with one message, without the socket: the front door stores
    it and commits, then the worker processes it in a transaction of its own. The clock is
    the message's Date (or `received_at`); returns the worker's Result."""
    from intake.bot.replay import envelope_of
    from intake.bot.worker import process_one
    from intake.storage import inbox

    mail_from, rcpts, date = envelope_of(raw)
    with app.sessions() as session, session.begin():
        inbox.store_inbound(
            session,
            raw=raw,
            channel="replay",
            received_at=received_at or date,
            mail_from=mail_from,
            rcpt_tos=rcpts,
        )
    return process_one(app.sessions, app.pipeline, lambda row: row.received_at)


def durable(engine) -> None:  # noqa: ANN001
    """synchronous=FULL on every connection of `engine` from now on: each commit reaches the
    disk, as the peer's does. Intake's own pragmas (storage/db.py) already set FULL; saying
    it here keeps the bench's durability its own, whatever the default becomes."""
    from sqlalchemy import event

    def full(dbapi_connection, _record) -> None:  # noqa: ANN001
        dbapi_connection.execute("PRAGMA synchronous=FULL")

    event.listen(engine, "connect", full)
    engine.dispose()  # connections opened before the listener get it at their next open


def intake_side(folder: Path) -> dict[str, object]:
    """One timed pass of `deliver` over the folder, into a fresh database."""
    import logging

    from sqlalchemy import func, select

    from intake.bot.app import build_app
    from intake.bot.config import Settings
    from intake.storage.models import OutboxMessage

    logging.disable(logging.WARNING)
    raws = [p.read_bytes() for p in sorted(folder.glob("*.eml"))]
    with tempfile.TemporaryDirectory(prefix="intake-peer-") as tmp:
        settings = Settings.model_validate({"database": {"url": f"sqlite:///{tmp}/intake.db"}})
        app = build_app(settings)
        durable(app.engine)
        deliver(app, raws[0].replace(b"<q0.", b"<warm-up.", 1))  # untimed: imports, caches
        start, cpu = time.perf_counter(), time.process_time()
        results = [deliver(app, raw) for raw in raws]
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        with app.sessions() as session:
            acks = session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "ack")
            )
        app.close()
    return {
        "side": "intake",
        "messages": len(raws),
        "seconds": seconds,
        "rate": len(raws) / seconds,
        "cpu_ms": 1000 * cpu / len(raws),
        "cases": sum(getattr(r, "outcome", None) == "new_case" for r in results),
        "acks": (acks or 0) - 1,  # the warm-up's
    }


# --- the peer's virtual environment -------------------------------------------------------


def ensure_peer() -> str | None:
    """Make var/peer/venv-helpdesk with django-helpdesk 2.6.1 (and Django's own
    dependencies) from PyPI if it is not there; None when ready, else why not."""
    python = PEER_VENV / "bin" / "python"
    if python.exists():
        check = subprocess.run(
            [str(python), "-c", "import helpdesk, django"], capture_output=True, text=True
        )
        if check.returncode == 0:
            return None
        shutil.rmtree(PEER_VENV)
    WORK.mkdir(parents=True, exist_ok=True)
    steps = [
        [sys.executable, "-m", "venv", str(PEER_VENV)],
        [str(python), "-m", "pip", "install", "--quiet", PEER],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            output = (done.stderr or done.stdout).strip().splitlines()
            return f"{' '.join(step[-3:])} failed (exit {done.returncode}): " + " | ".join(
                output[-5:]
            )
    return None


# --- running ----------------------------------------------------------------------------


def yardstick(folder: Path) -> float:
    raws = [p.read_bytes() for p in sorted(folder.glob("*.eml"))]
    start = time.perf_counter()
    for raw in raws:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        body = msg.get_body(("plain", "html"))
        if body is not None:
            with contextlib.suppress(LookupError, ValueError):
                body.get_content()
    return len(raws) / (time.perf_counter() - start)


def run_side(side: str, folder: Path) -> dict[str, object]:
    if side == "intake":
        command = [sys.executable, __file__, "--side", "intake", str(folder)]
    else:
        helper = ROOT / "bench" / "peer_helpdesk.py"
        command = [str(PEER_VENV / "bin" / "python"), str(helper), "--msgs", str(folder)]
        command += ["--work", str(WORK / "helpdesk")]
    load = os.getloadavg()[0]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise RuntimeError(f"{side} failed (exit {done.returncode}): " + " | ".join(tail))
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["load_before"] = round(load, 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--no-peer", action="store_true", help="intake's side only")
    parser.add_argument("--side", help=argparse.SUPPRESS)
    parser.add_argument("folder", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side == "intake":
        print(json.dumps(intake_side(args.folder)))
        return

    folder = write_mix(WORK / "mix", args.messages)
    why_not = None if args.no_peer else ensure_peer()
    if why_not:
        print(f"django-helpdesk is left out: {why_not}")
    sides = ["intake"] if args.no_peer or why_not else ["django-helpdesk", "intake"]
    rates: dict[str, list[float]] = {side: [] for side in sides}
    cpu: dict[str, list[float]] = {side: [] for side in sides}
    sticks: list[float] = []
    loads: list[float] = []
    for run in range(args.runs):
        for side in sides if run % 2 == 0 else sides[::-1]:
            try:
                result = run_side(side, folder)
            except RuntimeError as exc:
                if side == "intake":
                    raise
                print(f"django-helpdesk is left out: {exc}")
                sides.remove(side)
                rates.pop(side)
                cpu.pop(side)
                continue
            rates[side].append(float(result["rate"]))
            loads.append(float(result["load_before"]))
            cpu[side].append(float(result["cpu_ms"]))
            made = {k: v for k, v in result.items() if k in ("cases", "tickets", "acks")}
            print(
                f"run {run + 1} {side:16} {result['rate']:7.1f} msg/s"
                f" {result['cpu_ms']:6.1f} ms CPU/msg  {made}  load {loads[-1]}"
            )
            sticks.append(yardstick(folder))
    print(f"\n{args.messages} messages, {args.runs} runs per side, {os.cpu_count()} cpus")
    for side, values in rates.items():
        runs = ", ".join(f"{v:.1f}" for v in values)
        print(
            f"{side:16} median {statistics.median(values):7.1f} msg/s  (runs {runs});"
            f" CPU {statistics.median(cpu[side]):.1f} ms/msg"
        )
    print(f"{'stdlib parse':16} median {statistics.median(sticks):7.1f} msg/s  (yardstick)")
    if "django-helpdesk" in rates:
        ratio = statistics.median(rates["intake"]) / statistics.median(rates["django-helpdesk"])
        by_cpu = statistics.median(cpu["django-helpdesk"]) / statistics.median(cpu["intake"])
        print(f"intake / django-helpdesk: {ratio:.2f}x (by CPU time per message: {by_cpu:.2f}x)")
    print(f"load average (1 min) before each run: {min(loads):.2f}-{max(loads):.2f}")


if __name__ == "__main__":
    main()
