"""The bot's emails are assembled directly from headers folded once per mailbox and parts
encoded once per message; every byte must be what the email package's compat32 classes and
generator wrote (the oracle below is that former code), whatever the subject, name, address,
references or template."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime
from email import message_from_bytes
from email import policy as email_policy
from email.charset import QP, Charset
from email.errors import HeaderParseError
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr

import pytest

from intake.handlers.replies import (
    Rendered,
    ReplyRenderer,
    _boundary,
    _fold,
    _multipart_head,
    one_line,
)
from tests.conftest import ROOT

NOW = datetime(2026, 11, 2, 17, 0, tzinfo=UTC)
_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP


def compat32_message(
    rendered: Rendered,
    html: str,
    *,
    from_name: str,
    mailbox: str,
    subject: str,
    in_reply_to: str | None,
    refs: list[str],
    auto_submitted: str,
    boundary: str,
) -> bytes:
    """How ReplyRenderer built a message before: MIMEMultipart + MIMEText, as_bytes."""
    to_header = ", ".join(rendered.recipients)
    msg = MIMEMultipart("alternative", policy=compat32, boundary=boundary)
    msg["From"] = formataddr((one_line(from_name, 78), mailbox), charset="utf-8")
    if to_header.isascii():
        msg["To"] = to_header
    line = one_line(subject, 250)
    msg["Subject"] = line if line.isascii() else Header(line, "utf-8")
    msg["Date"] = format_datetime(NOW)
    msg["Message-ID"] = rendered.message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if refs:
        msg["References"] = " ".join(refs)
    msg["Auto-Submitted"] = auto_submitted
    msg["X-Auto-Response-Suppress"] = "All"
    msg["X-Loop"] = mailbox
    msg.attach(MIMEText(rendered.text, "plain", _UTF8_QP))
    msg.attach(MIMEText(html, "html", _UTF8_QP))
    raw = msg.as_bytes(policy=compat32.clone(linesep="\r\n"))
    if not to_header.isascii():
        raw = b"To: " + to_header.encode("utf-8") + b"\r\n" + raw
    return raw


ACK = {
    "case_number": "CASE-000042",
    "kind": "quote request",
    "requester_name": "Zoë",
    "summary": [("Account", "Prairie Crest Homes"), ("Product specs", "é" * 90 + " =x= " * 30)],
    "missing": ["stage", "close date"],
    "due": True,
    "due_sentence": "Your quote is due by Wed 04 Nov 2026 10:00 MST.",
    "unsure": [("factor", '"0.48"')],
    "check_sentence": "Please check: we read the factor as 0.48. Reply if that is wrong.",
}
REFUSAL = {"mailbox": "accountteam@example.com", "allowed": "staff", "alternative": None}
LONG_REFS = tuple(f"<ref-{i}-{'x' * 40}@mail.example.com>" for i in range(14))


CASES = [
    # kind, context, from name, to, subject, in_reply_to, references, auto_submitted
    ("ack", ACK, "Intake", "alex.martin@example.com", "Quote", "<a@b.c>", (), "auto-replied"),
    ("ack", ACK, "Ïntake Bøt", "pat@example.net", "Devis: fenêtres " * 12, None, LONG_REFS, ""),
    ("refusal", REFUSAL, "Intake", ["zoë@exämple.net", "pat@example.net"], "Re: x\r\nBcc: y",
     "<bad id>", ("<p@q>",), "auto-generated"),
    ("refusal", REFUSAL, "I" * 120, "pat@example.net", "[CASE-000001] " + "word " * 40, "<p@q>",
     ("<p@q>", "<r@s>"), "auto-replied"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "context", "from_name", "to", "subject", "in_reply_to", "references", "auto"), CASES
)
def test_each_byte_is_what_the_compat32_generator_wrote(
    kind, context, from_name, to, subject, in_reply_to, references, auto
) -> None:
    renderer = ReplyRenderer(ROOT / "templates", from_name)
    for _ in range(2):  # the second time from the headers and templates built the first time
        rendered = renderer.render(
            kind,
            context,
            mailbox="accountteam@example.com",
            to=to,
            subject=subject,
            now=NOW,
            in_reply_to=in_reply_to,
            references=references,
            auto_submitted=auto,
        )
        boundary = re.search(rb'boundary="([^"]+)"', rendered.raw).group(1).decode()
        parsed = message_from_bytes(rendered.raw, policy=email_policy.default)
        html = parsed.get_body(("html",)).get_content().replace("\r\n", "\n")
        text = parsed.get_body(("plain",)).get_content().replace("\r\n", "\n")
        assert text == rendered.text
        refs = [r for r in references if " " not in r][-9:]
        ok_reply = in_reply_to if in_reply_to and " " not in in_reply_to else None
        if ok_reply and ok_reply not in refs:
            refs.append(ok_reply)
        expected = compat32_message(
            rendered,
            html,
            from_name=from_name,
            mailbox="accountteam@example.com",
            subject=subject,
            in_reply_to=ok_reply,
            refs=refs,
            auto_submitted=auto,
            boundary=boundary,
        )
        assert rendered.raw == expected


def test_a_boundary_is_new_for_each_message() -> None:
    renderer = ReplyRenderer(ROOT / "templates", "Intake")
    args = {"mailbox": "accountteam@example.com", "to": "pat@example.net", "subject": "Hi"}
    one, two = (
        renderer.render("refusal", REFUSAL, now=NOW, in_reply_to=None, **args) for _ in range(2)
    )
    assert one.message_id != two.message_id
    boundary = re.compile(rb'boundary="([^"]+)"')
    assert boundary.search(one.raw).group(1) != boundary.search(two.raw).group(1)


def test_a_header_is_folded_as_compat32_folds_it() -> None:
    """The short-value shortcut writes what compat32's folding writes, for values around
    the line length, with spaces, separators and encoded-word look-alikes in them."""
    folding = compat32.clone(linesep="\r\n")
    rng = random.Random(7)
    plain = "ab;, =?:<>@\"'()-_.[]\\xyz0"
    for i in range(20000):
        name = rng.choice(["To", "Subject", "Date", "Message-ID", "References"])
        alphabet = plain if i % 4 else plain + "\té\r\n"  # mostly values of the shortcut
        size = 78 - len(name) - 2 + rng.randint(-3, 3) if i % 2 else rng.randint(0, 90)
        value = "".join(rng.choice(alphabet) for _ in range(size))
        try:
            expected = folding.fold_binary(name, value)
        except HeaderParseError:  # a line break followed by "name:"
            with pytest.raises(HeaderParseError):
                _fold(name, value)
            continue
        assert _fold(name, value) == expected, (name, value)


def test_the_multipart_head_is_folded_as_compat32_folds_it() -> None:
    folding = compat32.clone(linesep="\r\n")
    for _ in range(200):
        boundary = _boundary()
        value = f'multipart/alternative; boundary="{boundary}"'
        assert _multipart_head(boundary) == folding.fold_binary("Content-Type", value)
