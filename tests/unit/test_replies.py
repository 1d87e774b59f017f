"""Pins handlers/replies.py: the headers that keep the bot out of mail loops and in the
sender's thread, and the addresses it will write to.

Each test renders one email with the project's templates and reads it back with the
email package: exact header values (From, To, Subject, Auto-Submitted, X-Loop,
In-Reply-To, References, Message-ID) and the recipients, since a wrong one is a loop, a
broken thread or mail to a stranger. The byte-for-byte form is tests/test_replies.py's.
"""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from typing import Any

import pytest

from intake.handlers.replies import Rendered, footer_of, is_safe_address, one_line
from tests.unit.builders import CUSTOMER, QUOTES, T0, org, renderer

REFUSAL = {"mailbox": QUOTES, "allowed": "staff", "alternative": None, "unverified": False}


def render(**kw: Any) -> tuple[Rendered, EmailMessage]:
    """A refusal to the customer from the quotes mailbox, with `kw` changing any argument."""
    args: dict[str, Any] = {
        "mailbox": QUOTES,
        "to": CUSTOMER,
        "subject": "Re: Quote please",
        "now": T0,
        "in_reply_to": "<q1@mail.example.net>",
        **kw,
    }
    rendered = renderer().render("refusal", dict(REFUSAL), **args)
    parsed = email.message_from_bytes(rendered.raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return rendered, parsed


def test_an_answer_carries_the_loop_guards_and_its_thread() -> None:
    rendered, msg = render(references=("<q0@mail.example.net>",))
    assert msg["From"] == f"Intake <{QUOTES}>"
    assert msg["To"] == CUSTOMER and rendered.recipients == (CUSTOMER,)
    assert msg["Subject"] == "Re: Quote please" == rendered.subject
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["X-Loop"] == QUOTES
    assert msg["In-Reply-To"] == "<q1@mail.example.net>"
    assert msg["References"] == "<q0@mail.example.net> <q1@mail.example.net>"
    assert msg["Message-ID"] == rendered.message_id
    assert rendered.message_id.endswith("@example.com>")  # the mailbox's domain


def test_a_reminder_is_auto_generated() -> None:
    _, msg = render(auto_submitted="auto-generated")
    assert msg["Auto-Submitted"] == "auto-generated"


def test_references_keep_the_last_ten_and_name_the_parent_once() -> None:
    refs = tuple(f"<r{i}@mail.example.net>" for i in range(15))
    _, msg = render(references=refs, in_reply_to=refs[-1])
    assert msg["References"].split() == list(refs[-9:])
    _, msg = render(references=refs[:3])
    assert msg["References"].split() == [*refs[:3], "<q1@mail.example.net>"]


def test_message_ids_we_cannot_write_back_are_left_out() -> None:
    _, msg = render(in_reply_to="not-an-id", references=("<ok@x>", "<bad id@x>", "<é@x>"))
    assert msg["In-Reply-To"] is None
    assert msg["References"] == "<ok@x>"


def test_no_parent_no_thread_headers() -> None:
    _, msg = render(in_reply_to=None)
    assert (msg["In-Reply-To"], msg["References"]) == (None, None)


def test_a_fixed_message_id_is_kept_and_a_bad_one_replaced() -> None:
    rendered, _ = render(message_id="<clock-7.1@example.com>")
    assert rendered.message_id == "<clock-7.1@example.com>"
    rendered, _ = render(message_id="clock-7")
    assert rendered.message_id != "clock-7" and rendered.message_id.endswith("@example.com>")


def test_a_subject_cannot_inject_headers() -> None:
    rendered, msg = render(subject="Re: hi\r\nBcc: victim@example.org\x00")
    assert msg["Bcc"] is None
    assert msg["Subject"] == "Re: hi Bcc: victim@example.org" == rendered.subject


def test_recipients_are_written_in_a_labels_once_each() -> None:
    rendered, msg = render(to=["pat@bücher.example", "Pat@xn--bcher-kva.example", CUSTOMER])
    assert rendered.recipients == (
        "pat@xn--bcher-kva.example",
        "Pat@xn--bcher-kva.example",
        CUSTOMER,
    )
    rendered, _ = render(to=["pat@bücher.example", "pat@xn--bcher-kva.example"])
    assert rendered.recipients == ("pat@xn--bcher-kva.example",)


@pytest.mark.parametrize(
    "to", ["", [], "pat@example.net, eve@example.org", "pat@example.net\r\nRCPT TO:<x@y.z>"]
)
def test_an_unsafe_recipient_is_refused(to: str | list[str]) -> None:
    with pytest.raises(ValueError, match="refusing to write to an unsafe address"):
        render(to=to)


@pytest.mark.parametrize(
    ("address", "safe"),
    [
        (CUSTOMER, True),
        ("josé@example.net", True),
        ("pat@bücher.example", True),
        ("", False),
        ("pat", False),
        ("pat@localhost", False),
        ("a@b@example.net", False),
        ("pat lee@example.net", False),
        ("<pat@example.net>", False),
        (".pat@example.net", False),
        ("pat..lee@example.net", False),
    ],
)
def test_is_safe_address(address: str, safe: bool) -> None:
    assert is_safe_address(address) is safe


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("a\r\nb\tc\x00d", 200, "a b c d"),
        ("  many   spaces  ", 200, "many spaces"),
        ("abcdef", 3, "abc"),
        ("", 200, ""),
    ],
)
def test_one_line(text: str, limit: int, expected: str) -> None:
    assert one_line(text, limit) == expected


def test_the_footer_is_the_organisation_files() -> None:
    assert footer_of(org()) == {
        "organisation_name": "Example Windows & Doors, Customer Experience",
        "organisation_phone": "403-555-0100",
        "signature": (
            "This is an automated message from our intake bot; a person reads your reply."
        ),
    }


def test_the_two_parts_stand_apart_whatever_the_text_holds() -> None:
    """The boundary is drawn fresh each time and never occurs in the quoted-printable parts,
    even when the text itself is full of boundary-like lines."""
    tricky = dict(REFUSAL, alternative="--=_ =_ --==_mimepart_x-- =5F" * 40)
    first = renderer().render(
        "refusal", tricky, mailbox=QUOTES, to=CUSTOMER, subject="S", now=T0, in_reply_to=None
    )
    second = renderer().render(
        "refusal", tricky, mailbox=QUOTES, to=CUSTOMER, subject="S", now=T0, in_reply_to=None
    )
    parsed = email.message_from_bytes(first.raw, policy=email.policy.default)
    boundary = parsed.get_boundary()
    assert boundary and boundary != email.message_from_bytes(second.raw).get_boundary()
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert all(f"--{boundary}" not in p.as_string() for p in parsed.iter_parts())
    assert "=_ =_" in parsed.get_body(("plain",)).get_content()
