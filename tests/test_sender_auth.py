"""Privilege comes only from an authenticated sender (issue 13, item 2).

End to end: a real SMTP client sends to `intake serve`, whose trusted networks leave out
this machine's loopback, so every message is judged like mail from the Internet; DKIM keys,
SPF and DMARC records come from a real DNS server on loopback (tests/dnshelpers.py) through
the real dkimpy, pyspf and dnspython; replies go to an aiosmtpd sink. Then the judging rules
alone, on stored verdicts, without a network.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import dkim
import pytest
from sqlalchemy import select

from intake.bot.config import SenderSettings, Settings
from intake.bot.sender_auth import SenderVerifier
from intake.handlers.senders import SenderPolicy, judge
from intake.storage.models import Case, InboundMessage
from tests.conftest import ORG_FILE
from tests.dnshelpers import DKIM_KEY, FakeDns
from tests.mailhelpers import Sink, free_port, make_request, serving, wait_for

pytestmark = pytest.mark.slow

AM = "alex.martin@example.com"  # an account manager of the demo organisation
QUOTE = (
    "Hi team, please quote Ridgeline Homes.\n"
    "Product specs: 12 casement windows, white\nPricing factor: 0.62\n"
    "Opportunity: Ridgeline Phase 2, New Construction, Proposal, close 2027-02-15\n"
)


@pytest.fixture
def world(
    migrated_database_url: str, tmp_path: Path
) -> Iterator[tuple[int, Sink, FakeDns, Settings]]:
    """`intake serve` that trusts no network (so loopback is "the Internet"), checking
    senders against the fake DNS; example.com publishes DKIM, SPF and DMARC p=reject."""
    with Sink() as sink, FakeDns() as dns_server:
        dns_server.publish_dkim("example.com")
        dns_server.txt("example.com", "v=spf1 ip4:192.0.2.0/24 -all")
        dns_server.txt("_dmarc.example.com", "v=DMARC1; p=reject")
        port = free_port()
        settings = Settings.model_validate(
            {
                "database": {"url": migrated_database_url},
                "smtp": {"listen": f"127.0.0.1:{port}"},
                "relay": {"address": sink.address, "spool_dir": str(tmp_path / "spool")},
                "bot": {"org": str(ORG_FILE)},
                "worker": {"poll_seconds": 0.1},
                "outbox": {"poll_seconds": 0.1},
                "senders": {
                    "trusted_networks": ["192.0.2.99/32"],
                    "dns_servers": [dns_server.address],
                    "dns_timeout_seconds": 1,
                },
            }
        )
        with serving(settings) as app:
            yield port, sink, dns_server, app


def send(port: int, msg: EmailMessage | bytes, mail_from: str, to: str) -> None:
    raw = msg if isinstance(msg, bytes) else msg.as_bytes()
    with smtplib.SMTP("127.0.0.1", port) as client:
        client.sendmail(mail_from, [to], raw)


def signed(msg: EmailMessage, domain: str = "example.com") -> bytes:
    raw = msg.as_bytes().replace(b"\n", b"\r\n").replace(b"\r\r\n", b"\r\n")
    headers = [b"from", b"to", b"subject", b"message-id", b"reply-to"]
    return dkim.sign(raw, b"test", domain.encode(), DKIM_KEY, include_headers=headers) + raw


def cases(app) -> list[Case]:
    with app.sessions() as session:
        return list(session.scalars(select(Case).order_by(Case.id)))


def inbound(app) -> list[InboundMessage]:
    with app.sessions() as session:
        return list(session.scalars(select(InboundMessage).order_by(InboundMessage.id)))


def settled(app, count: int) -> list[InboundMessage]:
    return wait_for(
        lambda: (
            (rows := inbound(app))
            and len(rows) == count
            and all(r.state == "done" for r in rows)
            and rows
        )
    )


def test_a_forged_company_from_cannot_read_or_change_a_customers_case(world) -> None:
    """The issue's attack: an outsider's envelope, `From: it@example.com`, a Reply-To of
    their own and the customer's case number in the subject."""
    port, sink, _, app = world
    customer = make_request(
        body="The patio door glass is cracked.\nName: Pat Lee\nPhone: 403-555-0188\n"
        "Address: 12 Elm St, Calgary\nGate code 4321\n"
    )
    send(port, customer, "pat@example.net", "connectyou@example.com")
    wait_for(lambda: sink.count == 1)
    (case,) = cases(app)
    attack = make_request(
        sender="IT <it@example.com>",
        subject=f"Re: [{case.number}] Foggy window",
        body="Update: Phone: 587-555-0999\n",
        extra={"Reply-To": "mallory@evil.test"},
    )
    send(port, attack, "mallory@evil.test", "connectyou@example.com")
    rows = settled(app, 2)
    assert rows[1].outcome == "reject" and "forged" in rows[1].reason  # DMARC p=reject
    (after,) = cases(app)
    assert after.fields.get("contact_phone") == case.fields.get("contact_phone")
    assert all(rcpts != ["mallory@evil.test"] for _, rcpts in sink.envelopes)
    assert sink.count == 1  # the customer's own acknowledgement only


def test_a_forged_am_gets_no_quote_case_and_only_the_real_am_hears_of_it(world) -> None:
    port, sink, dns_server, app = world
    dns_server.txt("_dmarc.example.com", "v=DMARC1; p=none")  # forgery not disproved
    forged = make_request(
        sender=f"Alex Martin <{AM}>",
        to="accountteam@example.com",
        subject="Quote",
        body=QUOTE,
        extra={"Reply-To": "mallory@evil.test"},
    )
    send(port, forged, "mallory@evil.test", "accountteam@example.com")
    (row,) = settled(app, 1)
    assert row.outcome == "reject" and "not vouched for" in row.reason
    assert cases(app) == []
    wait_for(lambda: sink.count == 1)
    ((_, rcpts),) = sink.envelopes
    assert rcpts == [AM]  # never the forger's Reply-To
    body = sink.messages[0].get_body(("plain",)).get_content()
    assert "could not confirm that it came from your mail system" in body


def test_a_dkim_signed_am_opens_a_quote_case(world) -> None:
    port, sink, _, app = world
    request = make_request(
        sender=f"Alex Martin <{AM}>", to="accountteam@example.com", subject="Quote", body=QUOTE
    )
    send(port, signed(request), AM, "accountteam@example.com")
    (row,) = settled(app, 1)
    assert row.outcome == "new_case", row.reason
    assert row.sender_auth["dkim"] == ["example.com"] and row.sender_auth["dmarc"] == "pass"
    (case,) = cases(app)
    assert case.queue == "quotes"


def test_a_signature_broken_in_transit_vouches_for_nothing(world) -> None:
    port, _, _, app = world
    request = make_request(
        sender=f"Alex Martin <{AM}>", to="accountteam@example.com", subject="Quote", body=QUOTE
    )
    tampered = signed(request).replace(b"Subject: Quote", b"Subject: Quote now")
    send(port, tampered, AM, "accountteam@example.com")
    (row,) = settled(app, 1)
    assert row.sender_auth["dkim"] == [] and row.outcome == "reject"


def test_spf_aligned_with_the_from_vouches_for_it(world) -> None:
    port, _, dns_server, app = world
    dns_server.txt("example.com", "v=spf1 ip4:127.0.0.1 -all")  # our loopback is theirs now
    request = make_request(
        sender=f"Alex Martin <{AM}>", to="accountteam@example.com", subject="Quote", body=QUOTE
    )
    send(port, request, AM, "accountteam@example.com")
    (row,) = settled(app, 1)
    assert row.sender_auth["spf"] == "pass" and row.outcome == "new_case"


def test_a_customers_reply_goes_to_the_customer_never_to_a_new_reply_to(world) -> None:
    port, sink, _, app = world
    no_phone = "The kitchen window is foggy.\nName: Pat Lee\nAddress: 12 Elm St, Calgary\n"
    send(port, make_request(body=no_phone), "pat@example.net", "connectyou@example.com")
    wait_for(lambda: sink.count == 1)
    (case,) = cases(app)
    assert case.status == "awaiting_info"  # the reply below completes it: a confirmation
    reply = make_request(
        subject=f"Re: [{case.number}] Foggy window in the kitchen",
        body="Phone: 403-555-0199\n",
        extra={"Reply-To": "someone-else@example.org"},
    )
    send(port, reply, "pat@example.net", "connectyou@example.com")
    rows = settled(app, 2)
    assert rows[1].outcome == "append"
    wait_for(lambda: sink.count >= 2)
    assert all(rcpts == ["pat@example.net"] for _, rcpts in sink.envelopes)


def test_a_dns_outage_costs_no_message(world) -> None:
    port, sink, dns_server, app = world
    dns_server.silent = True
    request = make_request(sender="Pat <pat@elsewhere.example>")
    send(port, request, "pat@elsewhere.example", "connectyou@example.com")
    (row,) = settled(app, 1)
    assert row.outcome == "new_case"  # a service request needs no staff rights
    assert row.sender_auth["method"] == "checked" and row.sender_auth["dmarc"] == "temperror"


# --- the judging rules, on stored evidence --------------------------------------------

RAW = b"From: Alex <alex.martin@example.com>\r\nSubject: x\r\n\r\nbody\r\n"


def ar(raw: bytes, *headers: str) -> bytes:
    return b"".join(f"Authentication-Results: {h}\r\n".encode() for h in headers) + raw


@pytest.mark.parametrize(
    ("headers", "verified", "forged"),
    [
        (["mx.example.com; dmarc=pass header.from=example.com"], True, False),
        (["mx.example.com; dkim=pass header.d=mail.example.com"], True, False),
        (["mx.example.com; spf=pass smtp.mailfrom=bounce@example.com"], True, False),
        (["mx.example.com; dkim=pass header.d=evil.test"], False, False),
        (["mx.example.com; dmarc=fail (p=reject) header.from=example.com"], False, True),
        (["mx.example.com; dmarc=fail (p=none) header.from=example.com"], False, False),
        (["evil.test; dmarc=pass header.from=example.com"], False, False),  # another id
        # Only the topmost header of our MTA counts: a forged one further down is ignored.
        (
            [
                "mx.example.com; dmarc=fail (p=quarantine) header.from=example.com",
                "mx.example.com; dmarc=pass header.from=example.com",
            ],
            False,
            True,
        ),
        (["mx.example.com; none"], False, False),
        (["mx.example.com;;; = garbage"], False, False),
    ],
)
def test_authentication_results_of_the_trusted_mta(headers, verified, forged) -> None:
    trust = judge(
        SenderPolicy(authserv_id="mx.example.com"),
        channel="smtp",
        verdict={"method": "unchecked"},
        raw=ar(RAW, *headers),
        from_addr="alex.martin@example.com",
    )
    assert (trust.verified, trust.forged) == (verified, forged), trust.how


@pytest.mark.parametrize(
    ("channel", "verdict", "trust_replay", "verified"),
    [
        ("smtp", {"method": "trusted_network", "peer": "10.1.2.3"}, True, True),
        ("smtp", {"method": "unchecked"}, True, False),
        ("smtp", None, True, False),
        ("replay", None, True, True),
        ("replay", None, False, False),
        ("slack", None, False, True),
        ("smtp", {"method": "checked", "from_domain": "example.com", "dmarc": "pass"}, 1, True),
        # A verdict about another From domain says nothing about this one.
        ("smtp", {"method": "checked", "from_domain": "other.test", "dmarc": "pass"}, 1, False),
    ],
)
def test_who_vouches_by_channel_and_stored_verdict(channel, verdict, trust_replay, verified):
    trust = judge(
        SenderPolicy(trust_replay=bool(trust_replay)),
        channel=channel,
        verdict=verdict,
        raw=RAW,
        from_addr="alex.martin@example.com",
    )
    assert trust.verified is verified, trust.how


@pytest.mark.parametrize(
    ("headers", "verified", "forged"),
    [
        ([], True, False),
        # the fixture's own MTA, whatever its id, found the From forged: it stays forged
        (["mx.other.test; spf=fail smtp.mailfrom=example.com; dmarc=fail (p=reject) "
          "header.from=example.com"], False, True),
        # a failure under a policy that does not ask to reject is no proof of forgery
        (["mx.other.test; dmarc=fail (p=none) header.from=example.com"], True, False),
        # about another From domain: says nothing about this one
        (["mx.other.test; dmarc=fail (p=reject) header.from=other.test"], True, False),
    ],
)  # fmt: skip
def test_a_trusted_replay_believes_its_fixtures_own_verdict(headers, verified, forged):
    trust = judge(
        SenderPolicy(trust_replay=True),
        channel="replay",
        verdict=None,
        raw=ar(RAW, *headers),
        from_addr="alex.martin@example.com",
    )
    assert (trust.verified, trust.forged) == (verified, forged), trust.how


def test_trusted_networks_need_no_dns_and_ipv4_mapped_peers_count() -> None:
    verifier = SenderVerifier(
        SenderSettings(trusted_networks=["10.0.0.0/8"], dns_servers=["127.0.0.1:9"])
    )
    assert verifier.verdict(RAW, "10.9.8.7", "a@example.com", None)["method"] == ("trusted_network")
    assert verifier.verdict(RAW, "::ffff:10.9.8.7", "a@example.com", None)["method"] == (
        "trusted_network"
    )


def test_a_from_with_two_addresses_is_judged_for_neither() -> None:
    with FakeDns() as dns_server:
        dns_server.txt("_dmarc.example.com", "v=DMARC1; p=reject")
        verifier = SenderVerifier(
            SenderSettings(trusted_networks=[], dns_servers=[dns_server.address])
        )
        raw = b"From: a@example.com, b@evil.test\r\n\r\nx\r\n"
        verdict = verifier.verdict(raw, "127.0.0.1", "b@evil.test", "evil.test")
    assert verdict["dmarc"] == "permerror" and verdict["from_domain"] is None


def test_replay_trusts_its_files_unless_asked_to_check_senders(tmp_path: Path) -> None:
    from intake.bot.replay import replay_dir

    folder = tmp_path / "fixtures"
    folder.mkdir()
    request = make_request(
        sender=f"Alex Martin <{AM}>", to="accountteam@example.com", subject="Quote", body=QUOTE
    )
    (folder / "001.eml").write_bytes(request.as_bytes())
    settings = Settings.model_validate({"bot": {"org": str(ORG_FILE)}})
    (trusted,) = replay_dir(folder, settings)
    (checked,) = replay_dir(folder, settings, check_senders=True)
    assert trusted["action"] == "new_case" and checked["action"] == "reject"
