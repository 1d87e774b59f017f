"""The relay's answers, one by one, with no database (bot/outbox.py `_check`,
`_smtp_data`): which answers accept a step, a temporary refusal (4xx) raised to be retried
even where a 5xx is soft (one recipient refused alone), a permanent refusal that says what
was refused, and DATA sent in CRLF, dot-stuffed, ending with a line end."""

from __future__ import annotations

import smtplib

import pytest

from intake.bot.outbox import PermanentFailure, _check, _smtp_data


@pytest.mark.parametrize(
    ("reply", "expect", "soft", "accepted"),
    [
        ((250, b"OK"), 250, False, True),
        ((251, b"User not local; will forward"), 250, False, True),
        ((251, b"User not local; will forward"), 250, True, True),
        ((354, b"go ahead"), 354, False, True),
        ((550, b"no such user"), 250, True, False),
    ],
)
def test_answers_that_decide(
    reply: tuple[int, bytes], expect: int, soft: bool, accepted: bool
) -> None:
    assert _check(reply, "RCPT x", expect=expect, soft=soft) is accepted


def test_a_temporary_refusal_is_raised_to_be_retried_even_where_5xx_is_soft() -> None:
    for soft in (True, False):
        with pytest.raises(smtplib.SMTPResponseException) as raised:
            _check((450, b"4.2.1 mailbox busy"), "RCPT x", soft=soft)
        assert (raised.value.smtp_code, raised.value.smtp_error) == (450, b"4.2.1 mailbox busy")
    with pytest.raises(smtplib.SMTPResponseException):
        _check((250, b"OK"), "DATA", expect=354)


def test_a_permanent_refusal_says_what_was_refused() -> None:
    with pytest.raises(PermanentFailure) as raised:
        _check((554, b"5.7.1 rejected"), "end of DATA")
    assert str(raised.value) == "end of DATA: 554 b'5.7.1 rejected'"


def test_500_is_the_first_permanent_answer() -> None:
    """500 ("syntax error") is 5xx like the rest: permanent, and refused alone where soft."""
    with pytest.raises(PermanentFailure):
        _check((500, b"5.5.2 syntax error"), "MAIL FROM")
    assert _check((500, b"5.5.2 syntax error"), "RCPT x", soft=True) is False
    with pytest.raises(smtplib.SMTPResponseException):
        _check((499, b"4.0.0 odd"), "RCPT x", soft=True)


def test_data_travels_in_crlf_dot_stuffed_and_ends_with_a_line_end() -> None:
    assert _smtp_data(b"a\nb") == b"a\r\nb\r\n"
    assert _smtp_data(b".x\r\n..y\n.\nz\r\n") == b"..x\r\n...y\r\n..\r\nz\r\n"
    assert _smtp_data(b"a\r\n") == b"a\r\n"
