"""What the extractor reads from every corpus and fixture message, as JSON lines to diff.

A change made for speed must not change what is read. Run this before and after it and diff
the two files: the diff must be empty. Every message of `../shared/corpus/intake`,
`../shared/corpus/wild` and `fixtures/heldout*` is read three ways, so each rule is exercised
whatever the message's own mailbox: as a new quote request, as a new service request, and as
a reply on a quote case (staff or not from the sender's domain, its `Date:` as the clock).
Each line is {"file", "as", "fields": {name: [value, confidence, source]}}.

usage: python bench/fields_snapshot.py OUT.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from intake.parsers.fields import LabelExtractor  # noqa: E402
from intake.parsers.mime import parse_email  # noqa: E402
from intake.parsers.org import load_organisation  # noqa: E402

SETS = [
    ROOT.parent / "shared" / "corpus" / "intake",
    ROOT.parent / "shared" / "corpus" / "wild",
    *sorted(ROOT.glob("fixtures/heldout*")),
]
WAYS = (("quotes", False), ("service", False), ("quotes", True))  # (queue, is_reply)
FALLBACK_NOW = datetime(2026, 11, 23, tzinfo=UTC)


def snapshot(out: Path, org_file: Path) -> int:
    """Write the lines; returns how many."""
    org = load_organisation(org_file)
    extractor = LabelExtractor(org)
    lines = 0
    with out.open("w", encoding="utf-8") as fh:
        for folder in SETS:
            for path in sorted(folder.glob("*.eml")):
                msg = parse_email(path.read_bytes())
                staff = org.is_company_address(msg.from_addr or "")
                for queue, is_reply in WAYS:
                    found = extractor.extract(
                        msg,
                        queue,
                        now=msg.date or FALLBACK_NOW,
                        sender_is_staff=staff,
                        is_reply=is_reply,
                    )
                    fields = {
                        name: [fv.value, round(float(fv.confidence), 6), fv.source]
                        for name, fv in sorted(found.items())
                    }
                    way = queue + ("/reply" if is_reply else "")
                    name = f"{folder.name}/{path.name}"
                    record = {"file": name, "as": way, "fields": fields}
                    fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
                    lines += 1
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--org", type=Path, default=ROOT / "fixtures" / "org.toml")
    args = parser.parse_args()
    print(f"{snapshot(args.out, args.org)} extractions written to {args.out}")


if __name__ == "__main__":
    main()
