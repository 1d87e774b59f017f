"""Benchmark: field extraction alone, on one core, with peak memory.

Every corpus message (the labelled `intake/` set and the `wild/` set) is parsed once, outside
the clock; then the extractor reads every body, as the pipeline would (queue from the mailbox
the message was sent to, or the label's queue; staff or not from the sender's domain), and
the clock measures only `extract()`, with the parsers' memo caches emptied before
each pass. The process is pinned to one CPU. Peak memory is the
tracemalloc peak of one extraction pass (Python allocations made while extracting) and the
process's maximum resident set size.

usage: python bench/extraction.py [--runs 5] [--model NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from intake.parsers.fields import LabelExtractor  # noqa: E402
from intake.parsers.message import ParsedMessage  # noqa: E402
from intake.parsers.mime import parse_email  # noqa: E402
from intake.parsers.org import Organisation, load_organisation  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"


def workload(org: Organisation) -> list[tuple[ParsedMessage, str, bool]]:
    """(message, queue, sender is staff) for every corpus message."""
    items: list[tuple[ParsedMessage, str, bool]] = []
    for path in sorted(CORPUS.glob("**/*.eml")):
        msg = parse_email(path.read_bytes())
        label = path.with_suffix(".json")
        queue = None
        if label.exists():
            queue = json.loads(label.read_text(encoding="utf-8")).get("queue")
        if queue is None:
            box = next((org.mailbox_for(a) for a in msg.to if org.mailbox_for(a)), None)
            queue = box.queue if box else "service"
        items.append((msg, queue, org.is_company_address(msg.from_addr or "")))
    return items


def clear_caches() -> None:
    """Forget every memoised result of the parsers, so a pass over messages it has seen before
    costs what new mail costs (pessimistic: a running bot keeps its vocabulary folded)."""
    for name, module in list(sys.modules.items()):
        if not name.startswith("intake.parsers"):
            continue  # every parser module, the field readers' own memos included
        for value in vars(module).values():
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


def one_pass(extractor: LabelExtractor, items: list[tuple[ParsedMessage, str, bool]]) -> int:
    clear_caches()
    fields = 0
    fallback = datetime(2026, 11, 23, tzinfo=UTC)
    for msg, queue, staff in items:
        got = extractor.extract(msg, queue, now=msg.date or fallback, sender_is_staff=staff)
        fields += len(got)
    return fields


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--org", default=str(ROOT / "fixtures" / "org.toml"))
    args = parser.parse_args()

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    load_before = os.getloadavg()
    org = load_organisation(args.org)
    t0 = time.perf_counter()
    extractor = LabelExtractor(org)
    build_s = time.perf_counter() - t0
    items = workload(org)
    if not items:  # a rate over no messages would print 0.0 as if it were a measurement
        raise SystemExit(f"no corpus messages under {CORPUS}: the shared corpus must sit beside")
    one_pass(extractor, items)  # warm caches, as a running bot has them

    rates = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        one_pass(extractor, items)
        rates.append(len(items) / (time.perf_counter() - t0))

    tracemalloc.start()
    one_pass(extractor, items)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    report = {
        "messages_per_pass": len(items),
        "runs": args.runs,
        "extract_msgs_per_s_median": round(statistics.median(rates), 1),
        "extract_all_runs": [round(r, 1) for r in rates],
        "extractor_build_s": round(build_s, 3),
        "tracemalloc_peak_mib": round(peak / 2**20, 2),
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "cpus_used": 1,
        "load_avg_before": [round(x, 2) for x in load_before],
        "load_avg_after": [round(x, 2) for x in os.getloadavg()],
    }
    for key, value in report.items():
        print(f"{key:36} {value}")


if __name__ == "__main__":
    main()
