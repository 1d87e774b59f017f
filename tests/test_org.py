"""The organisation file: the corpus shape loads unchanged; mistakes are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.parsers.org import OrgFileError, load_organisation, parse_organisation


def test_demo_organisation(org) -> None:
    assert org.mailbox_for("AccountTeam-West@example.com").queue == "quotes"
    assert org.mailbox_for("accountteam-west@example.com").team == "west"
    assert org.mailbox_for("connectyou@example.com").queue == "service"
    assert org.mailbox_for("someone@example.com") is None
    assert org.is_company_address("priya.shah@example.com")
    assert not org.is_company_address("priya.shah@example.com.evil.net")
    assert not org.is_company_address("g.martel@example.net")
    assert org.account_by_contact("G.Martel@example.net").id == "ACC-1008"
    assert "Submissions" in org.picklist("stage")
    assert "close_date" in org.required_fields("quotes")
    assert org.required_fields("service") == [
        "contact_name",
        "contact_phone",
        "site_address",
        "description",
    ]


def test_corpus_organisation_loads_unchanged(corpus: Path) -> None:
    shared = load_organisation(corpus / "org.toml")
    assert shared.domains == ["example.com"]
    assert len(shared.accounts) >= 8


def test_unknown_person_in_team_is_named() -> None:
    raw = {
        "mailboxes": {"quotes": "q@example.com"},
        "teams": {"west": {"name": "W", "atrs": ["nobody"]}},
    }
    with pytest.raises(OrgFileError, match="nobody"):
        parse_organisation(raw, "org.toml")


def test_bad_mailbox_address_names_key_and_file(tmp_path: Path) -> None:
    f = tmp_path / "org.toml"
    f.write_text('[mailboxes]\nquotes = "not-an-address"\n')
    with pytest.raises(OrgFileError) as err:
        load_organisation(f)
    assert str(f) in str(err.value) and "mailboxes.quotes" in str(err.value)


def test_missing_file() -> None:
    with pytest.raises(OrgFileError, match="not found"):
        load_organisation("/nonexistent/org.toml")


@pytest.mark.parametrize(
    ("toml", "named"),
    [
        ('[organisation]\ntime_zon = "America/Edmonton"\n', "organisation.time_zon: unknown key"),
        ("[orgnisation]\nname = 'X'\n", "[orgnisation]: unknown section"),
        ('[teams.west]\nname = "W"\nslack_chanel = "C1"\n', "teams.west.slack_chanel: unknown key"),
        (
            '[people.p]\nname = "P"\nrole = "AM"\nemail = "p@example.com"\nemial = "x"\n',
            "people.p.emial",
        ),
        ('[accounts.A1]\nname = "A"\nalias = ["a"]\n', "accounts.A1.alias: unknown key"),
        ("[fields.quotes]\nrequird = []\n", "fields.quotes.requird: unknown key"),
        ('[assignment]\nservice_tem = "west"\n', "assignment.service_tem: unknown key"),
        ("[organisation]\nphone = 4035550100\n", "organisation.phone"),
    ],
)
def test_unknown_keys_and_sections_are_refused_by_name(
    tmp_path: Path, toml: str, named: str
) -> None:
    """A typo used to be taken silently, and the setting simply had no effect."""
    f = tmp_path / "org.toml"
    f.write_text('[mailboxes]\nquotes = "q@example.com"\n' + toml)
    with pytest.raises(OrgFileError) as err:
        load_organisation(f)
    assert str(err.value).startswith(f"{f}: ")
    assert named in str(err.value)


def test_unknown_sla_key_is_refused_by_name(tmp_path: Path) -> None:
    from intake.handlers.sla_policy import load_sla

    f = tmp_path / "org.toml"
    f.write_text('[mailboxes]\nquotes = "q@example.com"\n[sla]\nquote_turnround = "24h"\n')
    org = load_organisation(f)
    with pytest.raises(ValueError, match="sla.quote_turnround: unknown key"):
        load_sla(org.sla, org.teams, time_zone=org.time_zone, country="CA")


def test_name_phone_and_signature_have_defaults_and_can_be_set(tmp_path: Path) -> None:
    f = tmp_path / "org.toml"
    f.write_text('[mailboxes]\nquotes = "q@example.com"\n')
    plain = load_organisation(f)
    assert plain.name and plain.phone is None and plain.signature
    f.write_text(
        '[organisation]\nname = "Acme Windows"\nphone = "403-555-0100"\nsignature = "The CX team"\n'
        '[mailboxes]\nquotes = "q@example.com"\n'
    )
    org = load_organisation(f)
    assert (org.name, org.phone, org.signature) == ("Acme Windows", "403-555-0100", "The CX team")


def test_date_order_defaults_from_phone_region_and_may_be_set(corpus: Path) -> None:
    import tomllib

    raw = tomllib.loads((corpus / "org.toml").read_text())
    assert parse_organisation(raw).date_order == "MDY"  # CA
    gb = {**raw, "organisation": {**raw.get("organisation", {}), "phone_region": "GB"}}
    assert parse_organisation(gb).date_order == "DMY"
    dmy = {**raw, "organisation": {**raw.get("organisation", {}), "date_order": "DMY"}}
    assert parse_organisation(dmy).date_order == "DMY"
