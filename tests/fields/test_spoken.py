"""Reader aid `spoken`: a request dictated into a phone, label by label, read as a form."""

from __future__ import annotations

from intake.parsers.fields import spoken
from tests.fields.helpers import message, quote

DICTATED = (
    "hey team it's Alex quote request for aspen and oak dealers um product is twelve casement "
    "windows twenty four by sixty in the two hundred series white vinyl double pane low e "
    "factor point four nine opportunity name aspen and oak Lindqvist reno stage basic "
    "qualification close date end of the month thanks"
)


def test_a_dictated_request_is_read_label_by_label(extractor):
    got = quote(extractor, message(DICTATED))
    assert got["product_specs"].startswith("twelve casement windows twenty four by sixty")
    assert (got["factor"], got["stage"]) == ("0.49", "Basic Qualification")
    assert got["opportunity_name"] == "aspen and oak Lindqvist reno"
    assert got["close_date"] == "2026-11-30"


def test_typed_prose_is_left_as_written(extractor):
    labels = extractor.vocab.labels["quotes"]
    typed = DICTATED.replace(" factor", ", factor").replace(" stage", ", stage")
    typed = typed.replace(" close date", ", close date").replace(" opportunity", ", opportunity")
    assert spoken.as_form(typed, labels) == typed  # commas: typed, and read as typed
    assert spoken.as_form("Factor: .49\n" + DICTATED, labels) == "Factor: .49\n" + DICTATED
    assert spoken.as_form(DICTATED[:120], labels) == DICTATED[:120]  # too short to be a run-on
    assert spoken.as_form(DICTATED, labels) != DICTATED


def test_a_dictation_the_phone_punctuated_is_read_sentence_by_sentence(extractor):
    """The phone put in the stops: each sentence that opens with a field's own name is that
    field's line (a spoken correction in it taken), and a sentence that names none stays
    prose, so no value runs on into it."""
    said = (
        "Quote request for Bow Valley. Opportunity name Bow Valley garage suite. Stage "
        "submissions. Close date June 3rd. Factor 52 no sorry 54. Products 4 casements 24 by "
        "36 triple pane, black. Mia is off today so please copy her on the quote"
    )
    got = quote(extractor, message(said))
    assert got["opportunity_name"] == "Bow Valley garage suite"
    assert (got["stage"], got["factor"]) == ("Submissions", "0.54")
    assert got["product_specs"] == "4 casements 24 by 36 triple pane, black"
    assert got["special_instructions"] == "Mia is off today so please copy her on the quote"


def test_typed_sentences_with_values_between_commas_stay_prose(extractor):
    """ "Factor .62, Standard, Single. Opp name ... Stage TBD, ... Close date Dec 7, ...": a
    typist's commas set values apart within a sentence, so it is no dictation."""
    labels = extractor.vocab.labels["quotes"]
    typed = (
        "Quote please for the Olsens, phase 2 of their reno, the bay and two bedrooms. Factor "
        ".62, Standard, Single. Opportunity name Olsen - Phase 2. Stage TBD, they're still "
        "waiting on the loan. Close date Dec 7, that's when they said they'd decide."
    )
    assert spoken.as_form(typed, labels) == typed
    assert quote(extractor, message(typed))["record_type"] == "Single"


WANT = {
    "opportunity_name": "Hawthorn rise phase 3",
    "opportunity_type": "Project",
    "record_type": "Account Monthly",
    "factor": "0.49",  # "point 5 0 no sorry point 4 9"
    "special_instructions": "rack delivery please and break it out by lot again",
}


def test_a_short_label_said_before_a_picklist_value_is_a_label(extractor):
    """ "type is project", "type standard": a picklist field's short name said right before
    one of its values; and "record type account monthly" is one label and its value, the
    "account" in it no label of its own."""
    said = (
        "Hawthorn rise phase 3 for Prairie Crest 12 spec homes series 2000 casements double "
        "pane low E argon white white with the black 6 foot patio doors factor point 5 0 no "
        "sorry point 4 9 opportunity name Hawthorn rise phase 3 type project record type "
        "account monthly stage approvals close date the 26th special instructions rack "
        "delivery please and break it out by lot again thanks"
    )
    got = quote(extractor, message(said))
    assert {name: got.get(name) for name in WANT} == WANT
    typed = said.replace("type project", "type is project").replace("record type account", "")
    assert quote(extractor, message(typed))["opportunity_type"] == "Project"


def test_one_sentence_of_labels_in_a_dictation_punctuated_here_and_there(extractor):
    """The phone put a stop at the end of each breath: the one sentence that says the labels
    one after another, no comma between them, is read label by label; the sentences around
    it stay prose."""
    said = (
        "Hi team it's Lena covering for Alex. Prairie Crest needs a quote for the show home on "
        "lot 3. Series 2000 casements and awnings white inside black outside plus an 8 foot 3 "
        "panel slider. Factor 45 opportunity name PCH Aspen Ridge show home lot 3 type standard "
        "stage submissions close date end of Q1 record type single. Please send the quote "
        "straight to Brenda and copy me. Thanks Lena"
    )
    want = {"opportunity_name": "PCH Aspen Ridge show home lot 3", "record_type": "Single"}
    assert quote(extractor, message(said)).items() >= want.items()


def test_a_dictated_sentence_saying_several_labels_is_cut_at_each(extractor):
    """A phone that put stops in: most sentences open with a label, and one of them says four
    ("Opportunity name ... type ... stage ... close date ..."); the factor said as figures
    ("point 5 3.") ends its sentence."""
    text = (
        "Hi Ben harbourfront quayside townhomes block C 18 units. Same spec as block B triple "
        "pane black exterior white interior casements fixed and terrace doors per the "
        "elevations attached. Factor point 5 3. Opportunity name HFD Quayside Block C type "
        "project with installation stage approvals close date February 26. Special "
        "instructions install crew starts March 8 and they want the install priced per unit."
    )
    got = quote(extractor, message(text))
    assert got["opportunity_name"] == "HFD Quayside Block C"
    assert (got["opportunity_type"], got["stage"]) == ("Project w/ installation", "Approvals")
    assert (got["factor"], got["close_date"]) == ("0.53", "2027-02-26")
