"""Reader `subject`: the subject line."""

from __future__ import annotations

import pytest

from tests.fields.helpers import message, quote, service


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


def test_shorthand_subject_with_abbreviations(extractor):
    msg = message(
        "8 casement 24x36 triple wht\n2 awning 24x20 same\n\nthx\nDan",
        subject="QR: Ridgeline - Elk Cabin / Std / 50% / close 1/28 / x.47",
    )
    got = quote(extractor, msg)
    assert got["opportunity_name"] == "Ridgeline - Elk Cabin"
    assert (got["opportunity_type"], got["stage"]) == ("Standard", "Submissions")
    assert (got["close_date"], got["factor"]) == ("2027-01-28", "0.47")


def test_the_words_after_the_account_in_a_shorthand_subject_name_the_job(extractor):
    msg = message(
        "Ben - lines are in the attached sheet, display units so nothing fancy, thanks a lot.",
        subject="Aspen & Oak | Westgate lobby refit | fctr .52 | Project | 25% | close Mar 3",
    )
    got = quote(extractor, msg)
    assert got["opportunity_name"] == "Westgate lobby refit"
    assert (got["factor"], got["opportunity_type"]) == ("0.52", "Project")


def test_a_job_named_with_initials_and_a_dash_after_the_account(extractor):
    """ "NM Plant 2 - Q2 Program": a dash and a one-letter code are no words against it."""
    msg = message(
        "- 40 x 3040 SH, dual pane, white\n- 20 x 3660 picture, same spec",
        subject="Northgate | NM Plant 2 - Q2 Program | .52 | Project | 25% | close 3/31",
    )
    got = quote(extractor, msg)
    assert got["opportunity_name"] == "NM Plant 2 - Q2 Program"
    assert (got["stage"], got["close_date"]) == ("Funding", "2027-03-31")


def test_a_cell_after_the_account_that_is_a_note_names_no_job(extractor):
    msg = message(
        "Lines below, thanks a lot for turning this around quickly for me.\n\n6 casement 30x48",
        subject="Aspen & Oak | See below | fctr .52 | Project",
    )
    assert "opportunity_name" not in quote(extractor, msg)
    msg = message(msg.new_text or "", subject="Aspen & Oak | lobby refit | fctr .52 | Project")
    assert "opportunity_name" not in quote(extractor, msg)  # no capital: a note


def test_slashes_in_a_subject_that_are_no_shorthand(extractor):
    msg = message("Account: PCH\n6 casements 30x48", subject="Windows / doors / trim for Lot 4")
    got = quote(extractor, msg)
    assert not {"opportunity_name", "opportunity_type", "stage", "factor"} & set(got)


def test_a_note_after_the_values_of_a_subject_request(extractor):
    msg = message(
        "^^ see subject",
        subject="Clearview | Clearview - Elm Infill | 12 casement 36x48 white | .55 | Standard"
        " | Submissions | close 12/21 | show lead times",
    )
    assert quote(extractor, msg)["special_instructions"] == "show lead times"


def test_shorthand_subject_with_the_account_and_a_name_that_opens_with_it(extractor):
    subject = "QR: BVR | BVR Ogden Spring Reno | Standard | Single | 25% | .52 | 5/31"
    body = "- 6 casements 30x48 dual white\n- 2 awnings 36x20 dual white"
    got = quote(extractor, message(body, subject=subject))
    assert got["account"] == "Bow Valley Renovations"
    assert got["opportunity_name"] == "BVR Ogden Spring Reno"
    assert (got["stage"], got["factor"]) == ("Funding", "0.52")


def test_an_ampersand_accounts_initials_name_it(extractor):
    subject = "QR: A&O | A&O Lake Louise Stock | Standard | Single | 25% | .52 | 5/31"
    body = "- 6 casements 30x48 dual white\n- 2 awnings 36x20 dual white"
    got = quote(extractor, message(body, subject=subject))
    assert got["account"] == "Aspen & Oak Dealers Co."


def test_a_reference_with_several_number_groups_is_whole(extractor):
    msg = message("The awning crank is stripped.", subject="Warranty claim QA-2031-0077")
    got = extractor.extract(msg, "service", now=msg.date, sender_is_staff=False)
    assert got["reference"].value == "QA-2031-0077"


def test_a_shorthand_cell_that_carries_its_label_and_a_factor_as_f(extractor):
    """ "Opp: Northgate - Q3 2029 Unit Run": the label is no part of the name, "F .51" is the
    factor, and a year is never a quantity of units."""
    msg = message(
        "Specs in the attached csv.",
        subject="QR: Northgate | Opp: Northgate - Q3 2029 Unit Run | F .51 | Standard | 90%",
    )
    got = quote(extractor, msg)
    assert got["opportunity_name"] == "Northgate - Q3 2029 Unit Run"
    assert (got["factor"], got["stage"]) == ("0.51", "Approvals")
    assert "product_specs" not in got


def test_a_subject_request_with_its_tag_an_abbreviated_factor_and_a_note_on_the_sheet(extractor):
    msg = message(
        "Sheet attached.\n-L",
        subject="QUOTE REQ | Clearview | Elm Row Infill 2031 | f .52 | Standard | Submissions"
        " | close 11/29 | sheet attached",
    )
    got = quote(extractor, msg)
    assert got["opportunity_name"] == "Elm Row Infill 2031"
    assert got["factor"] == "0.52"
    assert "special_instructions" not in got  # "sheet attached" says where, it asks nothing


def test_a_reply_subject_answers_only_what_the_case_still_misses(extractor):
    msg = message(
        "-L",
        subject="RE: [CASE-000016] QUOTE REQ | Clearview | f .50 | stage = Submissions 50%",
    )
    got = extractor.extract(
        msg, "quotes", now=msg.date, sender_is_staff=True, is_reply=True, expected=["stage"]
    )
    assert got["stage"].value == "Submissions"
    assert "factor" not in got  # repeated from the request, maybe older than a correction
    unasked = extractor.extract(msg, "quotes", now=msg.date, sender_is_staff=True, is_reply=True)
    assert "stage" not in unasked


def test_a_dashed_subject_that_names_a_new_account_and_the_opportunitys_values(extractor):
    msg = message(
        "Specs per cabin: 4 x casement 30x48, 1 x picture 60x60. x8 cabins.\n"
        "Opp name Larch Bay Cabins Build-out.",
        subject="New acct Larch Bay Retreats - 8 cabin pkgs - .57 - Project - Funding"
        " - close 15/11",
    )
    got = quote(extractor, msg)
    assert got["account"] == "Larch Bay Retreats"
    assert (got["factor"], got["opportunity_type"], got["stage"]) == ("0.57", "Project", "Funding")
    assert got["close_date"] == "2026-11-15"


def test_a_dashed_subject_with_a_names_own_dash_is_no_shorthand(extractor):
    msg = message("6 casements 30x48, white.", subject="Ridgeline - Hollis Residence - quote")
    got = quote(extractor, msg)
    assert not {"opportunity_type", "stage", "factor", "close_date"} & set(got)


def test_a_subject_of_values_set_apart_by_commas_and_dashes(extractor):
    msg = message(
        "Tara - PCH showhome Lot 14 ph2. 22 openings tri-pane. opp name PCH Wheat L14. thx",
        subject="PCH Wheat L14 showhome qt - .52, project, 50%, close EOM - need by tmrw am",
    )
    got = quote(extractor, msg)
    assert (got["factor"], got["opportunity_type"], got["stage"]) == (
        "0.52",
        "Project",
        "Submissions",
    )
    assert got["close_date"] == "2026-11-30"


def test_the_job_named_in_the_last_cell_of_a_subject_request(extractor):
    msg = message(
        "sheet attached\n-D",
        subject="QUOTE | Northgate | f .47 | Project | Funding | close 6/27 | Elm Ph2 units 1-12",
    )
    got = quote(extractor, msg)
    assert got["opportunity_name"] == "Elm Ph2 units 1-12"
    assert "special_instructions" not in got


@pytest.mark.parametrize(
    ("subject", "field", "value"),
    [
        ("BVR garage suite - qt pls, close EOM", "close_date", "2026-11-30"),
        ("PCH Savanna ph3 - 12 spec homes, .49, acct monthly, close 4/15", "record_type",
         "Account Monthly"),
    ],
)  # fmt: skip
def test_a_close_date_or_an_abbreviated_record_type_in_a_subject_cell(
    extractor, subject, field, value
):
    body = "9 openings 2000 series sliders white/white. factor .62, Standard, 25%, opp BVR Suite."
    assert quote(extractor, message(body, subject=subject))[field] == value


def test_a_factor_after_its_label_in_the_subject(extractor):
    # "factor 55%" as a cell of a subject whose body writes only the products
    msg = message(
        "8 Series 300 sliders 60x36 white, dual pane. opp A&O Pemberton Reno, standard.",
        subject="Aspen&Oak Pemberton reno qte - factor 55%",
    )
    assert quote(extractor, msg)["factor"] == "0.55"


def test_shorthand_cell_with_a_whole_factor_after_a_one_letter_label(extractor):
    # "f 52": a whole-number factor after its one-letter label
    msg = message(
        "Rest as per subject.\n\n- 9x 100 Series slider 48x36, white\n",
        subject="A&O / Ritchie Duplex Infill / f 52 / Standard / Approvals / close Dec",
    )
    got = quote(extractor, msg)
    assert (got["factor"], got["opportunity_type"], got["stage"]) == (
        "0.52",
        "Standard",
        "Approvals",
    )


def test_a_close_date_written_month_dash_day(extractor):
    # "close 11-28" after its label: November 28, where "11-28" alone may be lots
    msg = message(
        "Rest as per subject.\n\n- 9x 100 Series slider 48x36, white\n",
        subject="PCH / Walker Ridge Lot 22 / f .47 / Standard / 50% / close 11-28",
    )
    assert quote(extractor, msg)["close_date"] == "2026-11-28"  # written Nov 4 2026
    assert "close_date" not in quote(extractor, message("Lots 11-28, 9 sliders 48x36 white"))


def test_a_reply_that_points_at_its_subject_for_the_change(extractor):
    subject = "Re: [CASE-000905] PCH / Walker Ridge Lot 22 / close now 12-05"
    said = "Close moves per subject - buyer's financing slipped a week. Nothing else changes."
    got = quote(extractor, message(said, subject=subject), reply=True)
    assert got == {"close_date": "2026-12-05"}
    # a reply that does not point there: its subject repeats the case's
    got = quote(extractor, message("Thanks, talk soon.", subject=subject), reply=True)
    assert "close_date" not in got


def test_an_address_in_a_lower_case_subject(extractor):
    msg = message(
        "glass exploded overnight, need it replaced", subject="broken slider - 4419 bow cres nw"
    )
    got = service(extractor, msg, staff=False)
    assert got["site_address"].lower() == "4419 bow cres nw"


def test_a_subject_cell_that_runs_the_opportunitys_values_together(extractor):
    subject = "bvr den reno - 10 casements 30x48 white - pt55 std single 50% close 4/30"
    got = quote(extractor, message("opp BVR Den Reno", subject=subject))
    assert got["factor"] == "0.55"
    assert got["opportunity_type"] == "Standard"
    assert got["record_type"] == "Single"
    assert got["stage"] == "Submissions"
    assert got["close_date"] == "2027-04-30"
    assert got["product_specs"] == "10 casements 30x48 white"


def test_a_shorthand_subject_whose_cells_are_set_apart_by_double_slashes(extractor):
    subject = "BOW VALLEY // Elm Street Reno // factor .44 // Standard // 50%"
    got = quote(extractor, message("8 awnings 30x20 white, see subject.", subject=subject))
    assert got["factor"] == "0.44"
    assert got["opportunity_type"] == "Standard"
    assert got["stage"] == "Submissions"


def test_a_subject_cell_that_runs_short_labels_and_values(extractor):
    subject = "BOW VALLEY // opp Elm St Retrofit // FX .46 STD SUBM // CLS 7/30"
    got = quote(extractor, message("Team - pls quote per the attached sheet.", subject=subject))
    assert got["factor"] == "0.46"
    assert got["opportunity_type"] == "Standard"
    assert got["stage"] == "Submissions"
    assert got["close_date"] == "2027-07-30"
    assert got["opportunity_name"] == "Elm St Retrofit"


def test_a_dashed_subject_with_a_labelled_opportunity_cell(extractor):
    subject = "BOW VALLEY - opp Elm St Condos Bldg B - FX 44 - 50% - RUSH"
    got = quote(extractor, message("Team - pls quote per the attached sheet.", subject=subject))
    assert got["opportunity_name"] == "Elm St Condos Bldg B"
    assert got["factor"] == "0.44"
    assert got["stage"] == "Submissions"


def test_a_service_request_written_in_the_subjects_cells_over_a_short_body(extractor):
    """ "Bow Valley – Unit 6 Maple Court – sash cracked in transit – site lead Jo Varga
    403-... – SO-..." over "Photos attached. Site is ...": the subject's cells are the
    request, the body only adds to it."""
    msg = message(
        "Photos attached. Site is 18 Maple Court NE, Calgary.",
        subject="Bow Valley – Unit 6 Maple Court – sash cracked in transit – site lead Jo Varga "
        "403-555-0166 – SO-551234",
        from_name="Priya Shah",
        from_addr="priya.shah@example.com",
    )
    got = service(extractor, msg, staff=True)
    assert (got["contact_name"], got["contact_phone"]) == ("Jo Varga", "+14035550166")
    assert "sash cracked in transit" in got["description"]
    assert got["account"] == "Bow Valley Renovations"
    assert got["site_address"] == "18 Maple Court NE, Calgary"


@pytest.mark.parametrize(
    "subject", ["Warranty request WR-2207 - Sage Hill", "Service request SR-41190 - lot 6"]
)
def test_a_builders_numbered_request_in_the_subject_is_the_reference(extractor, subject):
    """A builder's warranty desk numbers its own requests ("Warranty request WR-2207") and
    sends the form attached: the number in the subject is the reference."""
    msg = message("Please see the attached request and photo.", subject=subject)
    got = service(extractor, msg, staff=False)
    assert got["reference"] == subject.split()[2]


def test_a_subject_of_cells_over_a_forwarded_mail_is_only_its_title(extractor):
    """ "FW: Dealer - PO-1234 - customer door sweep" over "see the attached": the forwarded
    mail is the request, and the subject's cells never stand for its description."""
    forwarded = (
        "From: Ana Ruiz <ana@dealer.example.net>\nSubject: sweep\n\n"
        "The bottom sweep on the patio door has torn and snow blows in under it.\n\nAna Ruiz"
    )
    msg = message(
        "Please see the attached and contact the homeowner directly.",
        subject="FW: Clearview - PO-41234 - customer patio door sweep",
        from_name="Priya Shah",
        from_addr="priya.shah@example.com",
        forwarded=forwarded,
    )
    got = service(extractor, msg, staff=True)
    assert got["description"].startswith("The bottom sweep on the patio door has torn")


@pytest.mark.parametrize(
    ("subject", "specs", "name"),
    [
        ("Northgate | Ph4 duplex x16 | 3500 slider 4030 + 2020 awning wht/wht | .42 | "
         "Northgate Ph4 Duplex | Project | 50% | 2/15",
         "Ph4 duplex x16 3500 slider 4030 + 2020 awning wht/wht", "Northgate Ph4 Duplex"),
        ("Clearview | Q1 stock buy | 60x SH 3040 + 24x SH 2436 white | .55 | Clearview Q1 Stock",
         "Q1 stock buy 60x SH 3040 + 24x SH 2436 white", "Clearview Q1 Stock"),
    ],
)  # fmt: skip
def test_the_cells_between_the_account_and_the_values_are_the_products(
    extractor, subject, specs, name
):
    """ "Northgate | Ph4 duplex x16 | 3500 slider 4030 + 2020 awning | .42 | Northgate Ph4
    Duplex | ...": the cells before the first value, the last of them products, are one run of
    specs; the job is the cell named after the values, and a last cell that opens with the
    account names it too (no note)."""
    got = quote(extractor, message("See subj. Rest to come.", subject=subject))
    assert (got["product_specs"], got["opportunity_name"]) == (specs, name)
    assert "special_instructions" not in got


def test_a_three_cell_subject_of_account_products_and_factor(extractor):
    """ "QR Northgate | 40x awning 36x24 egress, white | .47" over "rest to follow": the tag
    before the account, the products, and the factor in a cell of its own; the reply that
    puts the missing cells after it names the job among them."""
    subject = "QR Northgate | 40x Series 1500 awning 36x24 egress, white | .47"
    got = quote(extractor, message("Ben - rest to follow.", subject=subject))
    assert got["product_specs"] == "40x Series 1500 awning 36x24 egress, white"
    assert (got["account"], got["factor"]) == ("Northgate Modular Inc.", "0.47")
    msg = message("", subject=f"RE: [CASE-000016] {subject} | NGM Egress Retrofit | Standard | 90%")
    expected = ["opportunity_name", "opportunity_type"]
    got = extractor.extract(
        msg, "quotes", now=msg.date, sender_is_staff=True, is_reply=True, expected=expected
    )
    assert got["opportunity_name"].value == "NGM Egress Retrofit"


@pytest.mark.parametrize(
    ("subject", "stated"),
    [
        (
            "ridgeline - elm park reno - std/single - 50% - close jun 30",
            {"opportunity_type": "Standard", "record_type": "Single", "stage": "Submissions"},
        ),
        ("A&O dealer stock order - factor .54 - 25%", {"factor": "0.54", "stage": "Funding"}),
    ],
)
def test_a_dashed_subject_with_a_slash_cell_of_picklist_values_or_ending_in_values(
    extractor, subject, stated
):
    # the same cells set apart by " | " are read; set apart by " - " they must be too
    body = "hi team, quote please\n\n12 casements 3050 triple pane white\n\nthanks for this one\np"
    got = quote(extractor, message(body, subject=subject))
    assert {name: got.get(name) for name in stated} == stated


def test_a_phone_only_in_a_service_requests_subject(extractor):
    msg = message(
        "Our front window leaks along the bottom corner when the rain comes sideways. We're at "
        "12 Heron Point Way, Spruce Grove AB T7X 0R2. Easiest is to call me, number is in the "
        "subject line.\n\nThanks,\nBev Nakamura",
        subject="Front window leaking after Sunday storm - please call 825-555-0161",
        from_name="Bev Nakamura",
        from_addr="bev.nakamura@example.net",
    )
    assert service(extractor, msg, staff=False)["contact_phone"] == "+18255550161"


def test_a_slashed_subject_whose_first_cell_ends_in_a_value_after_a_dash(extractor):
    """ "Ridgeline Tuscany infill - .51 / Standard / 25% / close 8/14": the job, then after
    its dash the factor, in the first slashed cell."""
    msg = message(
        "Opp: Ridgeline - Tuscany Infill\nlist attached\nNotes: gate code 4471, no drops before 8",
        subject="Ridgeline Tuscany infill - .51 / Standard / 25% / close 8/14",
    )
    got = quote(extractor, msg)
    assert (got["factor"], got["opportunity_type"], got["stage"]) == ("0.51", "Standard", "Funding")
    assert got["close_date"] == "2027-08-14"


def test_a_factor_of_one_decimal_after_its_label(extractor):
    msg = message(
        "see subject",
        subject="Aspen & Oak | opp: A&O - Leduc Yard Stock | f .6 | std | 25% | cls 2/26",
    )
    assert quote(extractor, msg)["factor"] == "0.60"
    # without its label, a lone ".6" is no factor
    bare = message("see subject", subject="Aspen & Oak | A&O - Leduc Yard Stock | .6 | std | 25%")
    assert "factor" not in quote(extractor, bare)


def test_an_account_cell_that_says_what_is_asked_leads_to_the_jobs_name(extractor):
    msg = message(
        "-J",
        subject="A&O quote - Leduc Yard Lot 4 - 6 csmt 24x36 wht - fx .52 - Standard - Funding",
    )
    got = quote(extractor, msg)
    assert (got["account"], got["opportunity_name"]) == (
        "Aspen & Oak Dealers Co.",
        "Leduc Yard Lot 4",
    )
