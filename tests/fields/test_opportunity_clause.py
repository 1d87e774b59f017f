"""The opportunity clause written as a bare run of comma parts: where its name ends, and
what the parts after it say."""

from __future__ import annotations

from datetime import datetime

from tests.fields.helpers import MST, message, quote

MAY_3 = datetime(2027, 5, 3, 9, 0, tzinfo=MST)


def test_products_written_after_the_name_end_it_and_are_the_specs(extractor):
    text = (
        "Hi all - opp Bayside Towns x2, S3000 csmt + awning pkg, bronze ext. project, "
        "50%, close june 30\nthx"
    )
    got = quote(extractor, message(text), now=MAY_3)
    assert got["opportunity_name"] == "Bayside Towns x2"
    assert got["product_specs"] == "S3000 csmt + awning pkg, bronze ext"
    assert got["opportunity_type"] == "Project"
    assert got["stage"] == "Submissions"
    assert got["close_date"] == "2027-06-30"


def test_a_capitalised_part_naming_products_is_still_the_name(extractor):
    text = "opp Bayside Towns, Windows & Doors Phase 2, project, 50%, close june 30"
    got = quote(extractor, message(text), now=MAY_3)
    assert got["opportunity_name"] == "Bayside Towns, Windows & Doors Phase 2"
