"""The organisation file: the corpus shape loads unchanged; mistakes are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers.org import OrgFileError, load_organisation, parse_organisation


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
