"""Reader `subject`: the subject line."""

from __future__ import annotations

from tests.fields.helpers import message, quote


def test_subject_only_gives_account_and_specs(extractor):
    msg = message("", subject="Quote: Aspen & Oak - 6 awnings 36x24 white, dual pane Low-E")
    got = quote(extractor, msg)
    assert got == {
        "account": "Aspen & Oak Dealers Co.",
        "account_id": "ACC-1006",
        "product_specs": "6 awnings 36x24 white, dual pane Low-E",
    }


def test_quote_due_from_subject(extractor):
    msg = message("Account: HFD\nFactor: 0.5", subject="HFD Block C - quote needed by Thursday")
    assert quote(extractor, msg)["quote_due"] == "2026-11-05"


def test_everything_in_the_subject(extractor):
    msg = message(
        "^^ all in the subject",
        subject="Clearview | Clearview - Elm Infill | 12 casement 36x48 white | .55 | Standard"
        " | Submissions | close 12/21",
    )
    got = quote(extractor, msg)
    assert got["account"] == "Clearview Window Centre"
    assert got["opportunity_name"] == "Clearview - Elm Infill"
    assert got["product_specs"] == "12 casement 36x48 white"
    assert got["factor"] == "0.55"
    assert (got["opportunity_type"], got["stage"]) == ("Standard", "Submissions")
    assert got["close_date"] == "2026-12-21"
