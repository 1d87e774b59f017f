"""Reader `prose_service`: phone, address, reference, urgency and description in a service
request's prose."""

from __future__ import annotations

import pytest

from intake.parsers.fields import sentences
from intake.parsers.fields.case_note import case_note
from tests.fields.helpers import message, service


def test_customer_request_in_prose(extractor):
    text = """Hello,

Two of the windows you installed in 2023 have gone foggy between the panes. It doesn't
wipe off, it's inside the glass. Photos attached.

Address: 1127 Larkspur Way NW, Calgary, AB T3G 4K2
My number is 403 555 0123, best after 3 pm.

Thanks,
Sandra Whitfield"""
    msg = message(text, from_name="Sandra Whitfield", from_addr="sw@example.net")
    got = service(extractor, msg, staff=False)
    assert got["contact_name"] == "Sandra Whitfield"
    assert got["contact_phone"] == "+14035550123"
    assert got["site_address"] == "1127 Larkspur Way NW, Calgary, AB T3G 4K2"
    assert got["description"] == case_note(
        "Two of the windows you installed in 2023 have gone foggy between the panes. "
        "It doesn't wipe off, it's inside the glass."
    )
    assert got["urgency"] == "normal"


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        ("Water is pouring in around the new patio slider.", "emergency"),
        ("Someone smashed the glass and the door won't lock now.", "emergency"),
        ("The big window shattered in the storm.", "emergency"),
        ("The tempered glass on the slider let go overnight, glass all over the deck", "emergency"),
        ("The patio door exploded, the outer pane is in a million pieces.", "emergency"),
        ("They want to let go of the old door and get a new quote.", "normal"),
        ("The sash came out in the wind, glass all over the front walk.", "emergency"),
        ("The door glass is crack like spider and some piece already fall on floor.", "emergency"),
        ("The patio door won't lock unless we lift it, can you book someone?", "normal"),
        ("Notre porte-patio ne barre plus. On a mis un bâton dans le rail.", "normal"),
        ("Our patio door won't lock and we're away all week.", "emergency"),
        ("The crank just spins, I think something broke inside the operator.", "normal"),
        ("La vitre de la porte-patio a éclaté, des morceaux continuent de tomber.", "emergency"),
        ("The picture window pulled away from the opening, the unit is leaning out.", "emergency"),
        ("The fixed lite cracked and a piece came down onto the sidewalk below.", "emergency"),
        ("A piece of the outside glass has already fallen onto the sidewalk.", "emergency"),
        ("Water is getting in at the bottom left corner, staining the drywall.", "normal"),
        ("Water is coming in around the frame and pooling on the floor.", "emergency"),
        ("Lors des fortes pluies, l'eau entre par le coin et tache le plancher.", "normal"),
        (
            "Balcony door locks are hard to engage:\n- Suite 304\n- Suite 601 (will not lock)",
            "normal",
        ),
        ("Our back door locks are hard to engage:\n- the deadbolt (will not lock)", "emergency"),
        ("URGENT - basement flooding through the window well", "emergency"),
        ("Not urgent, it only happens in heavy rain.", "normal"),
        ("It still locks, so I would not call it an emergency.", "normal"),
        ("We don't consider this urgent at all, whenever suits.", "normal"),
        ("The crank just clicks. Nothing is urgent or dangerous, just have a look.", "normal"),
        ("Two casements arrived with cracked glass, not installed yet.", "normal"),
        ("The window closes and locks fine if I push it.", "normal"),
        # the pane itself loose in its frame, and a fall the sender fears
        ("The glass in the 9th floor door has come loose from the frame.", "emergency"),
        ("Since the storm it knocks in every gust. I am very worried it could fall.", "emergency"),
        ("The glazing stop came loose; worried we could fall behind on the paint.", "normal"),
        # a draft past the door's bottom, whatever blows in
        ("There's a gap at the bottom of the back door and snow is blowing in.", "normal"),
        ("I can see daylight under the patio door and snow is blowing in on the mat.", "normal"),
    ],
)
def test_urgency(extractor, text, urgency):
    msg = message(text, from_name="Kim Lee", from_addr="kim@example.net", subject="window")
    assert service(extractor, msg, staff=False)["urgency"] == urgency


def test_extension_and_order_reference(extractor):
    text = (
        "Six awnings are missing operator hardware. Order 561077.\n\n"
        "Contact: Paul Girard, receiving, 780-555-0175 (ext. 2 at the gate)"
    )
    got = service(extractor, message(text), staff=True)
    assert got["contact_name"] == "Paul Girard"
    assert got["contact_phone"] == "+17805550175"
    assert got["reference"] == "561077"


@pytest.mark.parametrize(
    "address",
    [
        "88 Silver Ranch Cove SW, Calgary AB T2X 0K4",  # no comma before the province
        "2150 - 32 Avenue NE, Unit 4, Calgary, AB T1Y 6J2",
        "47 Tuscany Ridge Heath NW, Calgary",  # "Ridge" is not the street type here
        "9 Lakeview Pt, Sherwood Park",  # Canada Post's abbreviations of the longer types
        "212 Coral Springs Grv NE, Calgary",
        "27 Saltmarsh Lane (Lot 14), Bedford NS B4A 0G7",  # the lot in brackets
        "31045 Range Road 31, Rocky View County",  # a numbered road
        "412, avenue Bellevue, Beaumont (Alb.) T4X 1M3",  # French: comma, avenue, (Alb.)
        "14 Wedgewood Ravine NW, Edmonton, AB T6M 0K2",  # a ravine, a glade, a knoll ...
        "3 Aspen Glade SW, Calgary",
        "2210 Mill Creek Road East NW, Edmonton AB T6K 1B2",  # the road's side spelled out
    ],
)
def test_addresses_keep_postal_codes_units_and_long_street_names(extractor, address):
    msg = message(f"Our kitchen window is foggy. It is at {address}.", from_addr="a@example.net")
    assert service(extractor, msg, staff=False)["site_address"] == address


def test_a_job_number_written_in_prose_is_the_reference(extractor):
    msg = message("Please book a glass swap for them. Their job number is PCH-WB3-06. Thanks")
    assert service(extractor, msg, staff=True)["reference"] == "PCH-WB3-06"


def test_a_door_that_does_not_close_fully_is_not_an_emergency(extractor):
    body = "Our patio door won't close all the way, there's a 1 cm gap at the latch side."
    msg = message(body, subject="Door won't close", from_addr="a@example.net")
    assert service(extractor, msg, staff=False)["urgency"] == "normal"
    msg = message("It won't close and it's -30 tonight.", subject="Door won't close",
                  from_addr="a@example.net")  # fmt: skip
    assert service(extractor, msg, staff=False)["urgency"] == "emergency"
    msg = message("It's an emergency, the handle came off.", subject="Handle",
                  from_addr="a@example.net")  # fmt: skip
    assert service(extractor, msg, staff=False)["urgency"] == "emergency"


@pytest.mark.parametrize(
    ("subject", "text", "urgency"),
    [
        # A hazard described, the word never said.
        (
            "Cracked window upstairs",
            "The pane has a crack corner to corner and the bottom "
            "piece shifted outward. I'm worried the glass is going to drop out onto the deck.",
            "emergency",
        ),
        (
            "Skylight",
            "There are glass shards all over the stairwell from the skylight.",
            "emergency",
        ),
        (
            "Leak",
            "Rain is running down the wall and water is dripping into the electrical "
            "panel below the window.",
            "emergency",
        ),
        ("Patio door", "The slider came off its track and the house can't be locked.", "emergency"),
        # "it'll" for "it will"; a sash hanging "outward" over the walk
        (
            "Sash",
            "The bedroom sash came off the bottom hinge. Worried it'll drop on someone.",
            "emergency",
        ),
        ("Sash", "The casement sash is hanging outward over the front walkway.", "emergency"),
        # "Urgent" shouted, or denied, over a cosmetic problem.
        (
            "URGENT - patio screen door",
            "URGENT please!!! One screen door roller is cracked "
            "and it won't roll. Family is coming Saturday.",
            "normal",
        ),
        (
            "Screen",
            "Small tear in the screen.\nHow urgent: NOT urgent, any date is fine.",
            "normal",
        ),
    ],
)
def test_urgency_is_the_hazard_not_the_word(extractor, subject, text, urgency):
    msg = message(text, subject=subject, from_name="Kim Lee", from_addr="kim@example.net")
    assert service(extractor, msg, staff=False)["urgency"] == urgency


def test_the_number_the_sender_says_to_use(extractor):
    msg = message(
        "The lock broke.\n\nPhone: 403-555-0190 (home) / 587-555-0191 (cell)\n"
        "Please use the cell - the home line is being disconnected.\n",
        from_addr="m@example.net",
    )
    assert service(extractor, msg, staff=False)["contact_phone"] == "+15875550191"


def test_negated_hazard_and_address_forms(extractor):
    msg = message(
        "A pane cracked after the hail. No water coming in, but I'm worried.\n"
        "I rent the condo - #305 - 1110 11 St SW, Calgary.",
        from_addr="k@example.net",
    )
    got = service(extractor, msg, staff=False)
    assert got["urgency"] == "normal"
    assert got["site_address"] == "#305 - 1110 11 St SW, Calgary"
    msg = message(
        "The crank is stuck.", subject="Crank - 42 Cranbrook Rise SE", from_addr="p@example.net"
    )
    assert service(extractor, msg, staff=False)["site_address"] == "42 Cranbrook Rise SE"


def test_description_leaves_out_the_history_and_the_logistics(extractor):
    text = (
        "Hi Connect You,\n\nThe Parks have a patio door that scrapes the sill when it opens - "
        "the rollers look worn. We supplied it in May (invoice INV-55120), their builder "
        "installed.\n\nNo rush, but they've been waiting a while, so anything you can do to "
        "book them soon would be appreciated.\n\nAddress: 9 Elm Court, Airdrie\n"
        "Their phone: 403-555-0111"
    )
    got = service(extractor, message(text, subject="Patio door"), staff=True)
    assert got["description"] == (
        "The Parks have a patio door that scrapes the sill when it opens - the rollers look worn."
    )


@pytest.mark.parametrize(
    "aside",
    [
        "She's home after 3pm weekdays.",
        "We are retired so any weekday is fine.",
        "No rush, she's fine with whatever works.",
        "Please coordinate access through me as the tenant works nights.",
        "For enter the units please contact to me first, I will arrange with tenants.",
        "I manage the Larch Lane townhome complex on behalf of the condo board.",
        "Shane is the contact on site.",
        "Your crew replaced this door about two years ago.",
        "We had your windows and patio door put in when we built in 2023.",
        "It's one of the windows Priya sold us in 2024.",
        "I send pictures.",
        "Photos en pièce jointe.",
        "Can your service guys come have a look?",
        "The homeowners are not happy about it.",
        "We bought the house last summer and the sticker has your name on it.",
    ],
)
def test_an_aside_about_visits_history_or_photos_is_not_the_problem(extractor, aside):
    """Who lets the technician in, when someone is home, who installed it, the photos and
    how the sender feels: none of it is the problem the description names."""
    fault = "The patio door in unit 12 drags on the track and the latch will not catch."
    for text in (f"{fault} {aside}", f"{aside} {fault}"):
        msg = message(text, subject="Patio door", from_name="Lee Ames", from_addr="la@example.net")
        assert service(extractor, msg, staff=False)["description"] == fault


def test_a_fault_written_without_apostrophes_is_still_the_problem(extractor):
    """ "doesnt line up": the fault is the sentence that also says who installed it."""
    text = "Back door deadbolt you guys put in last wk doesnt line up, have to lift the door."
    msg = message(text, subject="deadbolt", from_name="Dev Malik", from_addr="dm@example.net")
    assert service(extractor, msg, staff=False)["description"] == text


def test_a_long_story_is_cut_to_the_sentences_about_the_fault(extractor):
    text = (
        "We moved into the house two summers ago and have enjoyed it ever since. The kids "
        "love the big bay window in the den and the cat sleeps in the sun there all "
        "afternoon. Last month we had a windstorm that kept everyone up all night and took "
        "down the neighbour's fence. Since then the left casement of the bay has a draft at "
        "the top corner and the crank is stiff. We are not sure whether the builder or you "
        "look after this, and the paperwork from the sale is in a box somewhere in the "
        "basement. Let us know what the next step is."
    )
    msg = message(text, subject="Bay window", from_name="Lee Ames", from_addr="la@example.net")
    got = service(extractor, msg, staff=False)
    assert got["description"] == (
        "Since then the left casement of the bay has a draft at the top corner and the crank "
        "is stiff."
    )


def test_a_service_form_names_the_problem_and_the_urgency_in_its_own_words(extractor):
    text = (
        "Our ref:        AO-SR-1001\n"
        "Homeowner:      Ann Lowe\n"
        "What's wrong:   The screen door rollers squeak and the screen is torn.\n"
        "How urgent:     NOT urgent - Ann is away until June 3.\n"
    )
    got = service(extractor, message(text, subject="Service"), staff=True)
    assert got["description"] == "The screen door rollers squeak and the screen is torn."
    assert got["urgency"] == "normal"


@pytest.mark.parametrize(
    "sentence",
    [
        "Ridgeline's customer Joan Whitby has a casement that will not latch.",
        "The homeowner is Joan Whitby, 403-555-0112. Her casement will not latch.",
        "Her casement will not latch. Ridgeline's site lead Joan Whitby will meet you there.",
        # a note of a call: the customer is the one given a title
        "Logging a call - Mrs. Joan Whitby called, her casement will not latch.",
        "From the VM: Ms. Joan Whitby (lives alone) - her casement will not latch.",
    ],
)
def test_staff_name_the_customer_in_prose(extractor, sentence):
    text = f"Hi Connect You,\n\n{sentence}\n\nThanks,\nOmar\n\nOmar Haddad | Account Manager"
    msg = message(text, subject="Casement", from_name="Omar Haddad",
                  from_addr="omar.haddad@example.com")  # fmt: skip
    assert service(extractor, msg, staff=True)["contact_name"] == "Joan Whitby"


def test_a_person_named_by_role_never_beats_the_customer_or_names_staff(extractor):
    msg = message("My tenant Raj Patel will let you in. The slider sticks.",
                  subject="Slider", from_name="Ivy Chen", from_addr="ivy@example.net")  # fmt: skip
    assert service(extractor, msg, staff=False)["contact_name"] == "Ivy Chen"
    msg = message("The customer Priya Shah mentioned is away; the slider sticks.",
                  subject="Slider")  # fmt: skip
    assert "contact_name" not in service(extractor, msg, staff=True)


def test_a_titled_neighbour_with_a_key_is_not_the_contact(extractor):
    text = "The casement will not latch. Our neighbour Mr. Karl Haas has a key, 403-555-0110."
    msg = message(text, subject="Casement")
    assert "contact_name" not in service(extractor, msg, staff=True)


def test_unpunctuated_phone_message_gives_description_and_lower_case_address(extractor):
    text = (
        "hey the patio door handle is loose it wobbles and the lock wont catch can someone "
        "come look\n722 larchwood dr nw edmonton\npat 780 555 0133"
    )
    msg = message(text, from_name="Pat Olsen", from_addr="pat@example.net")
    got = service(extractor, msg, staff=False)
    assert got["site_address"] == "722 Larchwood Dr NW, Edmonton"
    assert got["contact_phone"] == "+17805550133"
    assert got["description"].startswith("the patio door handle is loose")
    assert "780" not in got["description"] and "larchwood" not in got["description"]


@pytest.mark.parametrize(
    ("text", "address"),
    [
        (
            "oops wrong number its 88 birchfield blvd sw calgary not 86",
            "88 Birchfield Blvd SW, Calgary",
        ),
        ("Sorry, it's 42 not 24 Hawkwood Ave NW.", "42 Hawkwood Ave NW"),
    ],
)
def test_reply_correcting_the_address(extractor, text, address):
    msg = message(text, from_name="Pat Olsen", from_addr="pat@example.net")
    assert service(extractor, msg, staff=False, reply=True)["site_address"] == address


def test_a_third_partys_number_is_never_the_contact(extractor):
    text = """Hi,

the awning window in our den is stuck half open. While we are away our friend
Mrs. Ortiz has a spare key, she is at 403-555-0177.

Jana Novak
88 Cougar Ridge Dr SW, Calgary
Cell 587-555-0161"""
    msg = message(text, from_name="Jana Novak", from_addr="jn@example.net")
    got = service(extractor, msg, staff=False)
    assert got["contact_phone"] == "+15875550161"
    assert "spare key" not in got["description"]


def test_a_table_of_problems_gives_the_description(extractor):
    text = (
        "Hi,\n\nTwo units need a visit:\n\nUnit\tProblem\tNotes\n"
        "12\tFront door sticks at the bottom\tCall ahead\n"
        "14\tKitchen window cracked\tKey at office\n\n"
        "Building: 300 Elm Street NW, Calgary\n\nThanks,\nRita Moss"
    )
    msg = message(text, from_name="Rita Moss", from_addr="rm@example.net")
    got = service(extractor, msg, staff=False)
    assert "12 Front door sticks at the bottom; 14 Kitchen window cracked" in got["description"]
    assert "Call ahead" not in got["description"]


def test_lettered_po_reference(extractor):
    msg = message(
        "The garage side door is sticking. Please quote PO-RMC-2231 on the invoice.",
        from_name="Rita Moss",
        from_addr="rm@example.net",
    )
    assert service(extractor, msg, staff=False)["reference"] == "PO-RMC-2231"


def test_run_on_request_for_someone_on_site(extractor):
    text = (
        "Hi team, Bow Valley's foreman at the Elbow Park job (2204 Elbow Dr SW, Calgary) says "
        "two of the patio sliders on the main floor are dragging on the track, they were "
        "delivered on SO-551902 last spring, he's on site weekdays 8-4, Tom Reyes "
        "403-555-0166, could you send someone to adjust them. Thanks"
    )
    got = service(extractor, message(text), staff=True)
    assert got["contact_name"] == "Tom Reyes"
    assert got["contact_phone"] == "+14035550166"
    assert got["description"].startswith("two of the patio sliders on the main floor are dragging")
    assert "SO-551902" not in got["description"] and "403" not in got["description"]


def test_reply_with_name_and_phone_on_one_line(extractor):
    msg = message(
        "Ines Moreau 403 555 0148\n1190 Panamount Blvd NW calgary",
        from_name="",
        from_addr="oh@example.net",
    )
    got = service(extractor, msg, staff=False, reply=True)
    assert got["contact_name"] == "Ines Moreau"
    assert got["contact_phone"] == "+14035550148"
    assert got["site_address"] == "1190 Panamount Blvd NW, Calgary"


@pytest.mark.parametrize(
    "text",
    [
        "The skylight over the hallway cracked and shards came down on the floor.",
        "The pane in the entry sidelite broke and pieces of glass fell onto the landing.",
        "The patio door glass is breaking apart and a piece is hanging loose.",
        "The lower panel blew out, it's tempered so it went into a million pieces.",
        "There's still a big chunk hanging at the top of the frame, it could come down anytime.",
        "The casement in the kids' room now swings wide open on its own, it won't stay latched.",
        "The window won't open. That's the window that's supposed to be his way out of that "
        "room if there's ever a fire.",
        "The outside glass is cracked and some pieces already fell down on the balcony.",
        "The glass is moving in the wind and I am afraid more pieces will fall.",
        "The sash has pulled out of its hinges and is hanging by the operator arm.",
        "The sash is loose and they've roped off the driveway underneath.",
        "The whole glass is moving in the frame when the wind gusts.",
        "The pane cracked overnight. Framers are working on the deck right under it.",
        "The bottom sash came out of the track and I'm scared it's going to fall out onto "
        "the driveway.",
    ],
)
def test_falling_glass_is_an_emergency_without_the_word(extractor, text):
    msg = message(text, from_name="Jana Novak", from_addr="jn@example.net")
    assert service(extractor, msg, staff=False)["urgency"] == "emergency"


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        ("The awning windows in the den will not lock anymore, the latch slips.", "normal"),
        ("Both sashes on the east side of our home can't be locked now.", "normal"),
        ("The back door of the house won't lock, the latch is bent.", "emergency"),
        ("The glass in the lobby unit is bulging out and the pane is cracked.", "emergency"),
        ("Cracked pane over the stairs, scared it lets go onto someone.", "emergency"),
        ("The bottom rail of the screen door is sagging a little.", "normal"),
        # the window part named right before it, in a list of unit deficiencies
        ("Deficiencies:\n  B-210  patio slider sash won't lock\n  B-214  screen torn", "normal"),
    ],
)
def test_a_window_that_will_not_lock_is_a_draft_and_bowing_glass_a_hazard(extractor, text, urgency):
    assert urgency_of(extractor, text) == urgency


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("We are at Site 3, Box 40, RR 5, Olds, AB T4H 1P6 if that helps.",
         "Site 3, Box 40, RR 5, Olds, AB T4H 1P6"),
        ("Find us at R.R. 3, Box 7, Site 12, Stony Plain, AB  T7Z 1X3.",
         "R.R. 3, Box 7, Site 12, Stony Plain, AB T7Z 1X3"),
    ],
)  # fmt: skip
def test_a_rural_route_address_in_any_order(extractor, text, address):
    body = f"Our patio door drags on the sill. {text}"
    msg = message(body, subject="Door", from_name="Bo Lund", from_addr="bo@example.net")
    assert service(extractor, msg, staff=False)["site_address"] == address


def test_the_customer_who_called_the_sender_is_the_contact_and_not_the_description(extractor):
    text = (
        "Hi Connect You,\n\nMarta Kowal phoned me this morning – the slider in her kitchen "
        "drags on the track and is hard to open.\n\nThanks,\nOmar"
    )
    msg = message(text, subject="Slider", from_name="Omar Haddad",
                  from_addr="omar.haddad@example.com")  # fmt: skip
    got = service(extractor, msg, staff=True)
    assert got["contact_name"] == "Marta Kowal"
    assert got["description"] == case_note(
        "The slider in her kitchen drags on the track and is hard to open."
    )


def test_a_request_written_in_capitals_gives_its_address_and_name(extractor):
    text = (
        "GOOD MORNING,\n\nTHE PATIO DOOR AT THE BACK OF OUR HOUSE WILL NOT SLIDE ANY MORE, IT\n"
        "STICKS HALF WAY. IT STILL LOCKS.\n\nPLEASE CALL ME AT 403-555-0177\n"
        "OUR ADDRESS IS 48 WILLOW PARK CLOSE, OKOTOKS AB T1S 2K4\n\nTHANK YOU\nMARGARET OLSON"
    )
    msg = message(text, from_name="", from_addr="mo1946@example.net")
    got = service(extractor, msg, staff=False)
    assert got["site_address"] == "48 Willow Park Close, Okotoks AB T1S 2K4"
    assert got["contact_name"] == "Margaret Olson"
    assert got["contact_phone"] == "+14035550177"


@pytest.mark.parametrize(
    ("text", "address"),
    [
        # a street name with an accented capital
        ("The awning leaks.\n\nAddress: 22 Éden Way SW, Calgary\n", "22 Éden Way SW, Calgary"),
        # the town after "in", never a month
        ("Our place is 7 Heron Bay in Cochrane. The lock is stiff.", "7 Heron Bay in Cochrane"),
        ("Our place is 7 Heron Bay in March we saw the lock is stiff.", "7 Heron Bay"),
        # a rural address with no province, on a line of its own
        ("The basement window is fogged.\n\nBox 31, Site 9, RR 1, Didsbury\n",
         "Box 31, Site 9, RR 1, Didsbury"),
        # a dash between the house number and a numbered street
        ("The basement window is fogged.\n\n4810 – 50 Street, Leduc AB T9E 6K3\n",
         "4810 – 50 Street, Leduc AB T9E 6K3"),
        # "Villas" as the street
        ("Water in at the bedroom window. 7 Cranston Villas SE, Calgary",
         "7 Cranston Villas SE, Calgary"),
        # French writes the street type first, after a comma
        ("La porte est difficile à fermer.\n\nAdresse : 42, promenade Bellerose, St. Albert "
         "(Alberta) T8N 5J3\n", "42, promenade Bellerose, St. Albert (Alberta) T8N 5J3"),
    ],
)  # fmt: skip
def test_address_forms(extractor, text, address):
    got = service(extractor, message(text, from_addr="x@example.net"), staff=False)
    assert got["site_address"] == address


def test_a_caller_introduced_in_a_voicemail_staff_passed_on(extractor):
    text = (
        "Hi team,\n\nVoicemail from last night, can someone call her back?\n\n"
        "\"Hello Priya it's um Nora Lindgren, the sliding door you put in at 14 Cedar Grove "
        'sticks now. Call me at 403 555 0188, thanks."\n'
    )
    msg = message(text, from_name="Priya Shah", from_addr="priya.shah@example.com")
    got = service(extractor, msg, staff=True)
    assert got["contact_name"] == "Nora Lindgren"


def test_staff_introducing_themselves_are_not_the_contact(extractor):
    text = "Hi all, this is Priya Shah covering for Alex. A customer called about a stuck door."
    msg = message(text, from_name="Priya Shah", from_addr="priya.shah@example.com")
    assert "contact_name" not in service(extractor, msg, staff=True)


def test_a_contact_named_after_contact_the_homeowner_directly(extractor):
    text = (
        "A customer of ours has a cracked casement pane.\n\nPlease contact the homeowner "
        "directly:\nMara Olsen, 41 Aspen Grove SW, Calgary, AB - 403-555-0190."
    )
    msg = message(text, from_name="Dan Schultz", from_addr="dan.schultz@example.com")
    assert service(extractor, msg, staff=True)["contact_name"] == "Mara Olsen"


def test_a_condominium_corporation_in_the_signature_not_the_board(extractor):
    text = "The lobby door closer is leaking oil. Please call to arrange access.\n\nRegards,"
    signature = (
        "Helen Marsh\nChair, Board of Directors\nAspen Glen Condominium Corporation\n403-555-0166"
    )
    msg = message(text, from_name="Helen Marsh", from_addr="hm@example.net", signature=signature)
    assert service(extractor, msg, staff=False)["account"] == "Aspen Glen Condominium Corporation"


def test_a_building_label_then_its_street_address_label(extractor):
    text = (
        "Please book a visit.\n\nBuilding address: Maple Court, Tower 2\n"
        "Address: 810 Elbow Drive SW, Calgary\nIssue: the balcony door sticks."
    )
    got = service(extractor, message(text, from_addr="pm@example.net"), staff=False)
    assert got["site_address"] == "Maple Court, Tower 2, 810 Elbow Drive SW, Calgary"


def test_several_addresses_one_a_line_under_one_label(extractor):
    text = (
        "Same screen problem at three homes.\n\nAddresses:\n  8 Sage Hill Way NW, Calgary\n"
        "  14 Sage Hill Way NW, Calgary\n"
    )
    got = service(extractor, message(text, from_addr="pm@example.net"), staff=False)
    assert got["site_address"] == "8 Sage Hill Way NW, Calgary; 14 Sage Hill Way NW, Calgary"


def test_who_the_contact_is_and_what_comes_later_are_no_part_of_the_fault(extractor):
    text = (
        "Hi team,\n\nThe patio door at 9 Coral Springs Bay NE, Calgary is dragging on its sill "
        "and the lock is stiff. The homeowner is Lena Park. I don't have her cell handy, "
        "I'll send it over later."
    )
    msg = message(text, from_name="Priya Shah", from_addr="priya.shah@example.com")
    got = service(extractor, msg, staff=True)
    assert "Lena Park" not in got["description"]
    assert "send it over" not in got["description"]
    assert "dragging on its sill" in got["description"]


def test_an_address_cut_from_between_commas_leaves_one_comma(extractor):
    text = (
        "Our builder's super at their infill, 88 Hillside Way SW, tells me the entry door "
        "lets daylight through at the top of the weatherstrip."
    )
    msg = message(text, from_name="Priya Shah", from_addr="priya.shah@example.com")
    assert ",," not in service(extractor, msg, staff=True)["description"]


def test_an_initial_in_the_from_name_spelled_out_in_the_sign_off(extractor):
    text = "The bay window fogged up between the panes. Call me at 403-555-0171.\n\nMarta Olsen"
    msg = message(text, from_name="M Olsen", from_addr="molsen@example.net")
    assert service(extractor, msg, staff=False)["contact_name"] == "Marta Olsen"


def test_the_state_the_fault_leaves_is_kept_beside_a_request_for_a_visit(extractor):
    text = (
        "Hi team,\n\nThe Olsens' back door deadbolt sticks half way. The knob lock still "
        "locks so the house is secure, but they would like someone out before the 12th."
    )
    msg = message(text, from_name="Priya Shah", from_addr="priya.shah@example.com")
    assert "house is secure" in service(extractor, msg, staff=True)["description"]


def test_a_request_written_all_in_lower_case_is_read_sentence_by_sentence(extractor):
    text = (
        "side door wont close right since the frost, it sticks at the top. can someone come "
        "look. text me 403 555 0172"
    )
    got = service(extractor, message(text, from_addr="x@example.net"), staff=False)
    assert got["description"] == case_note(
        "side door wont close right since the frost, it sticks at the top."
    )


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        # what may come down on someone is a hazard whatever it is, not only glass
        (
            "The sash pulled off the arm and is hanging out over the sidewalk by one hinge, "
            "it could fall on someone walking past.",
            "emergency",
        ),
        ("The casement is hanging by one hinge since the storm.", "emergency"),
        ("The old frame could fall apart if we wait much longer.", "normal"),
        # water named first, "it" reaching the power next; what electricity does
        (
            "Water comes in at the corner. Last night it ran down the wall and into the "
            "power bar behind the desk.",
            "emergency",
        ),
        ("The breaker tripped twice and there was a burning smell.", "emergency"),
        ("It ran down the wall and into the carpet.", "normal"),
        # a tilt-turn, a hung window: a window that will not lock is a draft
        ("The tilt-turn in the kitchen won't lock in the tilt position.", "normal"),
        ("The double hung in the den will not lock, the latch is loose.", "normal"),
        # a sash or glass that may come down, glass inside, water reaching a plug
        ("The upper sash came out of the track and is hanging off one pivot bar.", "emergency"),
        ("We taped it but don't want to lift it out ourselves and have it let go.", "emergency"),
        ("This morning there are small pieces of glass on the inside sill.", "emergency"),
        ("The crack is spreading and there are small chips of glass on the floor.", "emergency"),
        (
            "It is dripping down on the wall and into the electric plug under the window.",
            "emergency",
        ),
        ("The hail storm broke the outside glass of the big kitchen window.", "emergency"),
        ("There are still sharp pieces in the frame and the kids are here.", "emergency"),
        ("It is not dangerous, just drafty.", "normal"),
    ],
)
def test_a_hazard_said_without_the_word(extractor, text, urgency):
    assert urgency_of(extractor, text) == urgency


def test_a_whole_request_in_one_sentence_keeps_the_clauses_that_name_the_fault(extractor):
    """One long sentence carrying everything: who writes, the fault, the photo, the ask. The
    description is the fault's clauses; the introduction, the photo note and the request for
    a visit are not part of it."""
    text = (
        "Hi there, I manage the Elm Court building (12 Elm St NW, Calgary) and one of your "
        "awning windows in unit 4 has come apart - the sash pulled off the arm in the wind, "
        "we have taped off the area below but the tenant can't close it, the building was "
        "done two years ago if that helps, I've attached a photo from the street, can "
        "someone come today?"
    )
    msg = message(text, subject="Service", from_name="Ana Ruiz", from_addr="ana@example.net")
    got = service(extractor, msg, staff=False)
    assert got["description"] == case_note(
        "one of your awning windows in unit 4 has come apart - the sash pulled off the arm in "
        "the wind, we have taped off the area below but the tenant can't close it"
    )


def test_a_business_naming_its_own_customer_names_the_contact(extractor):
    """A dealer writes for "one of our customers, Paula Henderson": she is the contact,
    over the dealer's own From name."""
    text = (
        "One of our customers, Paula Henderson, has a patio slider we sold on SO-558901. The "
        "screws holding the lock keeper have stripped out so the door won't latch."
    )
    msg = message(text, subject="Service", from_name="Raj Patel", from_addr="raj@dealer.example")
    got = service(extractor, msg, staff=False)
    assert got["contact_name"] == "Paula Henderson"
    assert got["reference"] == "SO-558901"
    # a homeowner naming the owner keeps their own From name
    own = message("The owner Bob Stanton says the slider won't latch.", subject="Service",
                  from_name="Ana Ruiz", from_addr="ana@example.net")  # fmt: skip
    assert service(extractor, own, staff=False)["contact_name"] == "Ana Ruiz"


def test_a_work_orders_po_is_the_reference(extractor):
    msg = message("Please see the attached work order.", subject="WO PO-55120 - tilt-turn",
                  from_name="Kayla Morin", from_addr="kayla@bvr.example")  # fmt: skip
    assert service(extractor, msg, staff=False)["reference"] == "PO-55120"


def urgency_of(extractor, text: str) -> str:
    """The urgency a homeowner's service request in these words is read with."""
    msg = message(text, subject="Service", from_name="Ana Ruiz", from_addr="ana@example.net")
    return service(extractor, msg, staff=False)["urgency"]


def test_book_directly_with_the_homeowner_names_the_contact(extractor):
    """A builder's warranty desk names who to book with: the homeowner, over the desk's own
    From name and signature."""
    text = (
        "After the storm the rear patio door let water in along the sill.\n\n"
        "Please book directly with the homeowner:\nAisha Boateng, 902-555-0134 (cell)\n"
    )
    msg = message(text, subject="Warranty", from_name="Colleen Fraser",
                  from_addr="colleen@builder.example")  # fmt: skip
    assert service(extractor, msg, staff=False)["contact_name"] == "Aisha Boateng"


def test_the_name_written_above_the_address_is_the_contact_the_sender_hands_over(extractor):
    msg = message(
        "The window in her son's room won't lock. She bought through us last year. Please "
        "book directly with the homeowner:\n\nMrs. Adaeze Okonkwo\n9 Lakeview Pt, Sherwood "
        "Park\n780 555 0119 (she prefers a text first)\nShe's home Tuesdays after 1.",
        from_name="Marissa Cho",
        from_addr="marissa@dealer.example.net",
    )
    got = service(extractor, msg, staff=False)
    assert (got["contact_name"], got["site_address"]) == (
        "Adaeze Okonkwo",
        "9 Lakeview Pt, Sherwood Park",
    )


def test_a_building_named_above_its_address_is_no_contact(extractor):
    msg = message(
        "The lobby door at our building won't latch.\n\nRiverbend Terrace\n"
        "1200 Riverbend Rd SE, Calgary",
        from_name="Judith Carrington",
        from_addr="judith@board.example.net",
    )
    assert service(extractor, msg, staff=False)["contact_name"] == "Judith Carrington"


def test_an_address_in_lower_case_where_the_sender_says_they_are(extractor):
    msg = message(
        "hi. unit 2231 bedroom window cracked in transport, need glass before it ships thurs. "
        "we are at 1650 industrial rd, dock 3, olds. call me 403 555 0191",
        from_addr="qa@plant.example.net",
    )
    assert (
        service(extractor, msg, staff=False)["site_address"] == "1650 industrial rd, dock 3, olds"
    )
    msg = message("the glass cracked, we are at 12 elm st in the mornings", from_addr="a@b.net")
    assert "site_address" not in service(extractor, msg, staff=False)


def test_the_contact_on_site_named_with_their_role(extractor):
    msg = message(
        "One of the picture windows showed up cracked. Contact on site is their PM, Ryan "
        "Decker. They're installing next Tuesday.",
        from_name="Priya Shah",
        from_addr="priya.shah@example.com",
    )
    assert service(extractor, msg, staff=True)["contact_name"] == "Ryan Decker"


@pytest.mark.parametrize("place", ["the plant", "the yard", "the house"])
def test_the_contact_at_a_place_named_in_prose(extractor, place):
    """ "Contact at the plant is Wes Harder, plant manager, 403-...": the contact of the site,
    whatever the site is called."""
    msg = message(
        f"Six of the sliders came with the wrong fin. Contact at {place} is Jo Varga, "
        "manager, 403-555-0128.",
        from_name="Priya Shah",
        from_addr="priya.shah@example.com",
    )
    assert service(extractor, msg, staff=True)["contact_name"] == "Jo Varga"


def test_a_description_written_without_capitals_at_sentence_starts(extractor):
    msg = message(
        "morning, got a cracked frame on one of your casements in module 3 on the Hanlon house. "
        "bottom corner of the sash frame is split, looks like it happened in shipping. pic "
        "attached",
        from_addr="wade@plant.example.net",
    )
    got = service(extractor, msg, staff=False)["description"]
    assert got.startswith("got a cracked frame on one of your casements")
    assert "bottom corner of the sash frame is split" in got and "pic attached" not in got


def test_a_city_never_runs_on_into_the_next_line(extractor):
    msg = message(
        "Please book directly with the homeowner:\n\nMrs. Adaeze Okonkwo\n9 Lakeview Pt, Sherwood "
        "Park\n780 555 0119\n\nThe window in her son's room won't latch.",
        from_name="Marissa Cho",
        from_addr="marissa@dealer.example.net",
    )
    assert service(extractor, msg, staff=False)["site_address"] == "9 Lakeview Pt, Sherwood Park"


def test_a_lot_number_is_no_house_number(extractor):
    msg = message(
        "There's a scratch on the great room window at Lot 7 Aspen Ridge, 31 Aspen Summit "
        "Green SW, Calgary.",
        from_addr="site@builder.example.net",
    )
    assert service(extractor, msg, staff=False)["site_address"] == (
        "31 Aspen Summit Green SW, Calgary"
    )


def test_a_french_contact_label(extractor):
    msg = message(
        "Infiltration d'eau sous la porte-fenêtre.\n\nPersonne-ressource : Sylvie Gagnon, "
        "cell. 780 555-0148",
        from_name="Josée Lapointe",
        from_addr="josee@dealer.example.net",
    )
    assert service(extractor, msg, staff=False)["contact_name"] == "Sylvie Gagnon"


def test_a_job_number_under_a_label_is_the_reference(extractor):
    msg = message(
        "The fixed window cracked.\n\nSite: Harbourfront Lofts, 1450 Riverside Blvd, Calgary\n"
        "Our job # HFD-2291",
        from_addr="site@builder.example.net",
    )
    assert service(extractor, msg, staff=False)["reference"] == "HFD-2291"


@pytest.mark.parametrize(
    "text",
    [
        "The bottom sweep has torn and snow is blowing in under the door.",
        "Drywallers found water coming in under the sill on 3 of the new casements.",
        "I have to lift the handle and push hard before the lock will catch. Denise cannot "
        "lock it at all on her own.",
        "With the chinook melting the snow on the deck, water is coming in under our back door.",
    ],
)
def test_water_or_snow_past_a_seal_is_no_emergency(extractor, text):
    msg = message(text, subject="Patio door", from_name="Lee Ames", from_addr="la@example.net")
    assert service(extractor, msg, staff=False)["urgency"] == "normal"


def test_a_shipment_short_is_the_problem_even_beside_the_address(extractor):
    text = (
        "We took delivery on Sept 2 for 61 Aspen Glen Landing SW, Calgary and the grille "
        "inserts for the 6 front elevation casements were not in the shipment."
    )
    msg = message(text, subject="Missing grilles", from_name="Nat Perez", from_addr="np@x.net")
    got = service(extractor, msg, staff=False)
    assert "grille inserts" in got["description"]
    assert got["site_address"] == "61 Aspen Glen Landing SW, Calgary"


def test_a_request_in_one_run_on_sentence_with_a_phone_keeps_its_faults(extractor):
    """No full stop anywhere, the phone and the thanks in the last clauses: the clauses
    that name the faults are the description."""
    text = (
        "hi there our front entry door has started sticking really bad at the top corner and "
        "you have to shoulder it to get it open, my husband thinks the house settled, we also "
        "noticed there is daylight along the top of the door and the weatherstrip is torn "
        "there, its not the end of the world but winter is coming, I work days but you can "
        "reach me on my cell at 780 555 0147 any time, thank you Brenda Kowalczyk"
    )
    msg = message(text, subject="door", from_name="Brenda Kowalczyk", from_addr="bk@x.net")
    got = service(extractor, msg, staff=False)
    assert "sticking bad at the top corner" in got["description"]
    assert "weatherstrip is torn" in got["description"]
    assert "thank you" not in got["description"] and "780" not in got["description"]


@pytest.mark.parametrize(
    "lead",
    [
        "Just got a call from Kyle Brandt",
        "Just got off the phone with Kyle Brandt",
        "Could someone get out to see Kyle Brandt at 41 Harmony Gate SW? He is",
        "I got a voicemail over the weekend from Kyle Brandt",
        "Please coordinate with Kyle Brandt, site super. Before that,",
        "Contact is Kyle Brandt at Prairie Crest, 587-555-0164. Before that,",
        "Can someone reach out to Kyle Brandt about it? Before that,",
    ],
)
def test_the_caller_named_after_a_call_and_not_a_photo(extractor, lead):
    text = (
        f"{lead}, Prairie Crest's site super. The patio door glass "
        "shattered overnight.\n\nKyle's cell: 587-555-0164\n\nPhoto Kyle texted me:"
    )
    msg = message(
        text, subject="Lot 17", from_name="Alex Martin", from_addr="alex.martin@example.com"
    )
    assert service(extractor, msg, staff=True)["contact_name"] == "Kyle Brandt"


def test_the_person_who_will_meet_the_tech_is_the_contact(extractor):
    """ "Northgate's QA lead Lyle Brandt will meet the tech on site": named by a role of the
    customer's that no list holds, as the one who lets the tech in."""
    text = (
        "Northgate has a complaint on unit NM-3318 at 27 Birchwood Close, Sylvan Lake. The "
        "patio door leaks at the sill. Their QA lead Lyle Brandt will meet the tech on site."
    )
    msg = message(text, subject="Service - leaking patio door")
    assert service(extractor, msg, staff=True)["contact_name"] == "Lyle Brandt"


def test_a_property_managers_company_from_the_title_line_of_her_signature(extractor):
    text = (
        "Hello,\n\nThe resident in Unit 1204 reports her balcony sliding door is very hard "
        "to open.\n\nRegards,\n\nDenise Okonkwo\nProperty Manager | Bowmont Property "
        "Management\nT 403.555.0152"
    )
    msg = message(text, subject="Door", from_name="Denise Okonkwo", from_addr="do@bpm.example")
    assert service(extractor, msg, staff=False)["account"] == "Bowmont Property Management"


def test_a_run_on_request_whose_fault_follows_the_address_in_one_clause(extractor):
    text = (
        "hello we had your windows put in about 3 yrs ago at 4417 Brant Rd NW in Edmonton and "
        "the kitchen window has gone foggy between the glass and theres water inside it now, "
        "I think its under warranty, can someone come look, I work days so email is best, "
        "thanks Gail Ferris"
    )
    msg = message(text, from_name="Gail Ferris", from_addr="gf@example.net")
    got = service(extractor, msg, staff=False)
    assert got["description"].startswith("the kitchen window has gone foggy between the glass")
    assert "4417" not in got["description"]


@pytest.mark.parametrize(
    "phone_line",
    ["Teodor's cell: 403-555-0177", "Best number for Teodor is his cell, 403-555-0177."],
)
def test_the_contact_named_in_full_and_then_by_first_name_with_the_phone(extractor, phone_line):
    text = (
        "Hi team,\n\nTeodor Vance (site lead for the builder) called me this morning: two of the "
        "casements at 88 Cedar Row, Airdrie were delivered with cracked glass.\n\n"
        f"{phone_line}\n\nThanks"
    )
    got = service(extractor, message(text), staff=True)
    assert got["contact_name"] == "Teodor Vance"
    assert got["contact_phone"] == "+14035550177"


def test_a_reply_giving_an_address_on_a_numbered_street_in_lower_case(extractor):
    msg = message("its 2210 17 ave nw calgary\n\nSent from my Galaxy", from_addr="m@example.net")
    got = service(extractor, msg, staff=False, reply=True)
    assert got["site_address"] == "2210 17 Ave NW, Calgary"


def test_a_dealers_contact_for_scheduling_who_is_the_sender(extractor):
    text = (
        "Customer: Ilse Brandvold\nAddress: 12 Coulee Way, Lethbridge AB\n"
        "Issue: Kitchen casement operator is stripped - crank turns but the sash won't move.\n"
        "Contact for scheduling: me, Janice - 403-555-0166\n"
    )
    got = service(extractor, message(text, from_addr="svc@example.org"), staff=False)
    assert got["contact_phone"] == "+14035550166"
    assert got.get("contact_name") != "me"
    assert "403" not in got["description"]


@pytest.mark.parametrize(
    "said",
    [
        "Referral from Bow Valley, they did the install last spring.",
        "We bought them through Clearview in 2022 I believe.",
    ],
)
def test_who_sold_or_installed_a_homeowners_windows_is_not_the_account(extractor, said):
    text = (
        "Hi, the left sidelite beside our front door lets water in at the bottom corner when it "
        f"rains. {said}\n\nAddress: 44 Cranmore Way SE, Calgary\nCell: 587-555-0121\n\nSandra Oke"
    )
    msg = message(text, from_name="Sandra Oke", from_addr="so@example.org")
    assert "account" not in service(extractor, msg, staff=False)


def test_a_builders_homeowner_stays_the_builders(extractor):
    text = (
        "Got a call from a Prairie Crest homeowner, Raj Pelly, at 48 Crestview Gate NW. Water is "
        "getting in at the bottom corner of the basement window."
    )
    assert service(extractor, message(text), staff=True)["account"] == "Prairie Crest Homes"


@pytest.mark.parametrize(
    "aside",
    [
        "It is one of your windows, we buy the house new in 2021.",
        "We had our windows put in by your company about eight years ago.",
        "Is this something that is covered?",
        "Got a call from the owner this morning.",
        "J'ai joint une photo.",
        "Pourriez-vous nous appeler pour fixer un rendez-vous ?",
        "Nous sommes disponibles en semaine après 16 h.",
    ],
)
def test_where_the_windows_came_from_and_asking_for_a_visit_are_no_part_of_the_fault(
    extractor, aside
):
    fault = "The kitchen window has gone foggy between the panes and it does not wipe off."
    text = f"Hello,\n\n{fault} {aside}\n\nMarta Kowal\n12 Birch Row NW, Calgary\n403-555-0171"
    msg = message(text, from_name="Marta Kowal", from_addr="mk@example.net")
    assert service(extractor, msg, staff=False)["description"] == case_note(fault)


@pytest.mark.parametrize(
    ("said", "urgency"),
    [
        ("The window stays open 20 cm and my son climbs near it, I am afraid he can fall out.",
         "emergency"),
        ("A piece near the top moves when the wind gusts. I'm scared it's going to fall in.",
         "emergency"),
        ("After the rain last night we have water coming in at the bottom corners of 2 basement "
         "windows, running down onto the new drywall. Not a lot of water.", "normal"),
    ],
)  # fmt: skip
def test_a_fall_hazard_said_without_the_word_and_a_slow_leak_after_rain(extractor, said, urgency):
    text = f"Hello,\n\n{said}\n\nAddress: 9 Sandbar Close NW, Edmonton\nPhone: 780 555 0148"
    msg = message(text, from_name="Ola Kovac", from_addr="ok@example.net")
    assert service(extractor, msg, staff=False)["urgency"] == urgency


def test_a_self_introduction_ending_in_a_company_suffix_ends_its_sentence(extractor):
    # "... Kestrel Homes Ltd. 5 windows ...": the name's "Ltd." is the introduction's stop
    text = (
        "Hi, this is Tyler with Kestrel Homes Ltd. 5 windows from Tuesday's delivery have the "
        "nailing fins bent along the top edge. Call me 780-555-0108."
    )
    got = service(extractor, message(text, subject="damaged windows"), staff=False)
    assert got["description"] == (
        "5 windows from Tuesday's delivery have the nailing fins bent along the top edge."
    )
    assert sentences("Ordered by Aspen Co. Ltd. Then shipped.") == [
        "Ordered by Aspen Co. Ltd.",
        "Then shipped.",
    ]


def test_an_address_label_in_a_paragraph_ends_at_its_sentence_and_whom_to_call(extractor):
    text = (
        "Our client says water is coming in at the bottom corner of the new dining room window "
        "when it rains hard. Installed about 2 weeks ago. Address: 88 Mackenzie Towne Link SE, "
        "Calgary. Please contact our PM, Steve Olafson, at 403-555-0147 to book - he has the keys."
    )
    msg = message(text, subject="Leak at sill", from_name="Nadia Kerr", from_addr="nk@example.org")
    got = service(extractor, msg, staff=False)
    assert got["site_address"] == "88 Mackenzie Towne Link SE, Calgary"
    assert (got["contact_name"], got["contact_phone"]) == ("Steve Olafson", "+14035550147")


def test_a_service_request_said_all_in_the_subject(extractor):
    subject = "fogged up window in bedroom call dave 780 555 0172"
    msg = message("", subject=subject, from_name="dave w", from_addr="dw88@example.net")
    got = service(extractor, msg, staff=False)
    assert got["contact_phone"] == "+17805550172"
    assert "fogged up window in bedroom" in got["description"]


@pytest.mark.parametrize(
    ("answer", "urgency"),
    [("Is this an emergency?: No", "normal"), ("Urgent (Y/N): Y", "emergency")],
)
def test_a_web_forms_emergency_question_says_so_by_its_answer(extractor, answer, urgency):
    """ "Is this an emergency?: No" names the word but answers no; "Urgent (Y/N): Y" yes."""
    text = (
        "A new service request was submitted from the website.\n\nName: Ada Kim\n"
        f"{answer}\nDescribe the issue: The awning in the den sticks when we crank it.\n"
    )
    assert service(extractor, message(text), staff=False)["urgency"] == urgency


def test_a_hazard_in_a_forms_labelled_description_is_an_emergency(extractor):
    """A property manager's form: the hazard is in its "Issue description:" value."""
    text = (
        "PROPERTY MANAGEMENT - WORK ORDER\n\nSite address: 12 Elm Court NW, Edmonton\n"
        "Issue description: Break-in overnight, bedroom window glass smashed, the unit is "
        "open.\nPO #: PO-1234\n"
    )
    assert service(extractor, message(text), staff=False)["urgency"] == "emergency"


@pytest.mark.parametrize(
    ("header", "account"),
    [
        ("MAPLEWOOD PROPERTY MANAGEMENT - VENDOR SERVICE REQUEST", "Maplewood Property Management"),
        ("Maplewood Homes | Work Order", "Maplewood Homes"),
    ],
)  # fmt: skip
def test_a_work_order_headed_with_the_companys_name_names_the_account(extractor, header, account):
    """A property manager's own form opens with the company's name, often in capitals."""
    text = (
        f"{header}\n\nSite address: 12 Elm Court NW, Edmonton\n"
        "Issue description: The bedroom casement will not crank open.\n"
    )
    msg = message(text, from_name="Ida Park", from_addr="ipark@maplewoodpm.example.org")
    assert service(extractor, msg, staff=False)["account"] == account


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Contact Gord Pelletier, QA lead, 780-555-0193 ext 212", "Gord Pelletier"),
        ("contact rachel tam pch warranty 587 555 0108", "Rachel Tam"),
    ],
)
def test_a_colon_less_contact_line_in_a_staff_request(extractor, line, name):
    text = (
        "Hi CY,\n\nNorthgate flagged 3 units with failed seals, fogged between the panes."
        f"\n\n{line}\n\nThanks,\nDan"
    )
    msg = message(text, subject="failed seals", from_name="Dan Schultz")
    assert service(extractor, msg, staff=True).get("contact_name") == name
    # "contact site super 403-...": a role, no one's name
    role = message(text.replace(line, "contact site super 403-555-0111"), subject="seals")
    assert service(extractor, role, staff=True).get("contact_name") != "Site Super"


def test_the_homeowner_named_before_their_number_outranks_the_dealer_who_writes(extractor):
    """A dealer's office asks us to book with the homeowner, then names them with their
    number: that person is the contact, not the From name; a name before a number with no
    such hand-over stays below the sender."""
    handed = (
        "Sidelite fogged and the weatherstrip pulls away at the latch.\n\n"
        "Please call the homeowner to book, she is home days: Mina Sato, 587-555-0123."
    )
    msg = message(handed, from_name="Kim Albers", from_addr="kim@dealer.example.net")
    got = service(extractor, msg, staff=False)
    assert (got["contact_name"], got["contact_phone"]) == ("Mina Sato", "+15875550123")
    plain = handed.replace("Please call the homeowner to book, she is home days: ", "")
    msg = message(plain, from_name="Kim Albers", from_addr="kim@dealer.example.net")
    assert service(extractor, msg, staff=False)["contact_name"] == "Kim Albers"


def test_a_lower_case_address_line_is_the_site_not_the_description(extractor):
    """Typed on a phone, no quadrant, no capitals: a paragraph that is only a building and
    its street is where the work is; the fault is the line above it, less the "this is an
    emergency" that ends it (the urgency, not a self-introduction like "this is Kyle")."""
    text = (
        "water coming in at the sill of unit 12 and dripping on the baseboard heater "
        "need somebody today this is an emergency\n\n"
        "maple court lofts 1410 centre ave okotoks"
    )
    msg = message(text, from_name="Kyle Brandt", from_addr="kyle@example.org")
    got = service(extractor, msg, staff=False)
    assert got["site_address"] == "Maple Court Lofts 1410 Centre Ave Okotoks"
    assert got["description"].startswith("water coming in at the sill of unit 12")
    assert got["description"].endswith("need somebody today")
    assert got["urgency"] == "emergency"
