"""Reader aid `chat_paste`: a Teams or Slack chat copied into the mail."""

from __future__ import annotations

from intake.parsers.fields import chat_paste
from tests.fields.helpers import message, quote, service

CHAT = (
    "---- Teams chat, Tuesday ----\n"
    "Priya Shah  4:02 PM\n"
    "Lena, Ridgeline Varsity duplex – can I go 0.48 on this? They're shopping us around\n"
    "Lena Fischer  4:15 PM\n"
    "0.48 is too low for triple pane. Go 0.50\n"
    "Priya Shah  4:16 PM\n"
    "ok. And 0.49 if they push back?\n"
    "Lena Fischer  4:20 PM\n"
    "Only if they push back. Quote it at 0.50 for now"
)


def test_the_header_lines_go_and_who_said_what_stays():
    text, said = chat_paste.split(CHAT)
    assert "4:02 PM" not in text and "Go 0.50" in text
    assert [m.speaker for m in said] == ["Priya Shah", "Lena Fischer"] * 2
    assert said[1].text == "0.48 is too low for triple pane. Go 0.50"
    one = "Call Kyle Brandt  10:47 AM\nabout the screens"  # one such line is no chat
    assert chat_paste.split(one) == (one, [])


def test_the_managers_last_factor_is_the_one_to_quote(extractor):
    """ "Factor: see chat below": the AM proposed .48 and .49; the manager said .50, twice."""
    text = (
        "Account: Ridgeline Custom\nOpp: Ridgeline - Varsity Duplex\nType: Standard\n"
        "Stage: Funding\nClose: end of July\nProduct: 9 casements 30x60, triple pane\n"
        f"Factor: see chat below\n\nPriya\n\n{CHAT}"
    )
    msg = message(text, from_name="Priya Shah", from_addr="priya.shah@example.com")
    assert quote(extractor, msg)["factor"] == "0.50"


def test_the_customer_in_the_chat_is_the_person_to_call(extractor):
    text = (
        "Hi CY team,\nSee below from Kyle at Harbourfront (copied out of Teams). Quayside show "
        "homes, 12 Marina Gate Cres, Toronto.\n\n"
        "Kyle Brandt  10:47 AM\nhey Dan the crank on the kitchen casement at 12 is stripped. cell "
        "416-555-0187\nDan Schultz  10:52 AM\non it, will get connect you to book\n"
    )
    got = service(extractor, message(text), staff=True)
    assert got["contact_name"] == "Kyle Brandt"
    assert "stripped" in got["description"] and "10:47" not in got["description"]


def test_a_chat_pasted_below_the_sign_off_is_read(extractor):
    """ "Package and factor per the chat below", the chat under the sign-off and a rule, its
    header lines dated: the products and the manager's factor come from it."""
    chat = (
        "Dan\n\n________________________________\n"
        "Microsoft Teams chat - Dan Schultz, Lena Fischer\n\n"
        "Dan Schultz  11/30/2026 4:05 PM\nHFD wants pricing on Harbour Lane - 14 homes. Each "
        "home: 8 casement 30x60, 2 awning 36x20, triple pane. Ok to go .43?\n\n"
        "Lena Fischer  11/30/2026 4:22 PM\n.43 is fine, it's the MSA rate.\n"
    )
    text = "Opp: HFD - Harbour Lane Phase 1\nProject / Single / Funding\nClose Jan 15\n"
    got = quote(extractor, message(text + "Package and factor per the chat below.", signature=chat))
    assert got["factor"] == "0.43"
    assert "8 casement 30x60" in got["product_specs"]


def test_header_lines_as_teams_and_slack_write_them():
    text = (
        "Raj Dhillon (Harbourfront Developments)   10:48 AM\nHi Dan, we're pricing Block C\n"
        "Dan Schultz  Sunday 6:42 PM\ngot it\nLena Fischer  Yesterday 4:22 PM\nok\n"
    )
    assert [m.speaker for m in chat_paste.split(text)[1]] == [
        "Raj Dhillon",
        "Dan Schultz",
        "Lena Fischer",
    ]


def test_a_chat_after_the_sign_off_in_the_body_is_read(extractor):
    text = (
        "Team - HFD purchasing pinged me on Teams, pasting it below. Pls quote.\n"
        "Opp: HFD - Seton Block C Townhomes\nProject, Funding\nClose Apr 29\nFactor 0.49\n\n"
        "Dan\n----- pasted from Teams -----\n"
        "Raj Dhillon (Harbourfront Developments)   10:48 AM\n"
        "Hi Dan, we're pricing 12 units. 8 casement 30x60, 2 fixed 48x60 per unit\n"
        "Dan Schultz   10:52 AM\ngot it, I'll have the team price it\n"
    )
    msg = message(text, from_name="Dan Schultz", from_addr="dan.schultz@example.com")
    assert "8 casement 30x60" in quote(extractor, msg)["product_specs"]


def test_a_contact_the_chat_names_beats_the_speaker(extractor):
    """The install crew's lead wrote in Slack; the super he names is the person to call."""
    text = (
        "Hi CY - forwarding from our install crew on Slack (below).\n\n"
        "Jake Morrow  1:02 PM\nRidgeline job - 2 of the casements came off the truck with "
        "cracked frames. Address is 1418 Gladstone Rd NW. Super on site is Colin Baptiste "
        "403-555-0186, he's there till 4 every day.\nJake Morrow  1:04 PM\n2 files\n"
    )
    got = service(extractor, message(text), staff=True)
    assert got["contact_name"] == "Colin Baptiste"


def test_teams_time_first_and_a_slack_message_copied_alone():
    text = (
        "[9:58 AM] Alex Martin\ncan we do .44?\n[10:42 AM] Lena Fischer\n"
        "not .44. go .46 on the Sage Meadows package, that's as low as I go\n"
    )
    assert [m.speaker for m in chat_paste.split(text)[1]] == ["Alex Martin", "Lena Fischer"]
    one = "Travis Lund (Prairie Crest Homes)  7:14 AM  #pch-shared\nMorning Alex - 3 units"
    assert [m.speaker for m in chat_paste.split(one)[1]] == ["Travis Lund"]


def test_the_factor_the_manager_turns_down_is_not_hers(extractor):
    text = (
        "Opp: PCH - Sage Meadows Phase 3\nProject, 90%, close Apr 15\nThanks\nAlex\n"
        "From Teams – chat with Lena Fischer\n[9:58 AM] Alex Martin\ncan we do .44?\n"
        "[10:42 AM] Lena Fischer\nnot .44. go .46 on the Sage Meadows package\n"
    )
    msg = message(text, from_name="Alex Martin", from_addr="alex.martin@example.com")
    assert quote(extractor, msg)["factor"] == "0.46"


def test_teams_copy_of_an_older_chat_dates_each_time(extractor):
    """Teams copies a chat that is not today's with its day in the brackets: "[2/21 4:12 PM]
    Dan Schultz". The manager's answer on that day is the factor to quote."""
    text = (
        "Pasting the Teams convo w/ Lena so you have the approval.\n\n"
        "[2/21 4:12 PM] Dan Schultz\nLena - can we hold .44?\n"
        "[2/21/2048 4:30 PM] Lena Fischer\nNo - .46. Material's up since Ph 2.\n"
        "[2/21 4:31 PM] Dan Schultz\nok will send .46\n\n"
        "Opp: HFD - Quayside Phase 3\nType: Project\nStage: Funding\nClose date: April 30\n"
    )
    body, said = chat_paste.split(text)
    assert [m.speaker for m in said] == ["Dan Schultz", "Lena Fischer", "Dan Schultz"]
    assert "4:12 PM" not in body
    msg = message(text, from_name="Dan Schultz", from_addr="dan.schultz@example.com")
    assert quote(extractor, msg)["factor"] == "0.46"


def test_a_slack_forward_and_a_teams_guest_copied_alone():
    slack = (
        "#pch-sagehill  |  Kyle Brandt (Prairie Crest)  |  Fri Feb 14, 2:58 PM\n"
        "@Alex Martin one of the basement picture windows cracked right across"
    )
    assert [m.speaker for m in chat_paste.split(slack)[1]] == ["Kyle Brandt"]
    guest = "[12:58 PM] Jordan Reyes (External)\nhey Priya, the lift and slide won't lock"
    assert [m.speaker for m in chat_paste.split(guest)[1]] == ["Jordan Reyes"]


def test_the_chats_frame_goes_and_the_writers_company_stays():
    text = (
        "Forwarded from Slack below.\n---------- Forwarded Slack message ----------\n"
        "#pch-sagehill  |  Kyle Brandt (Prairie Crest)  |  Fri Feb 14, 2:58 PM\n"
        "the basement picture window cracked right across\n"
        "---------------------------------------------\n"
    )
    kept, _ = chat_paste.split(text)
    assert "Forwarded Slack message" not in kept and "-----" not in kept
    assert "Prairie Crest" in kept and "2:58 PM" not in kept


def test_one_message_is_a_chat_when_the_writer_says_it_came_from_slack(extractor):
    """A single "Name  time" line is a chat once the text above it says where it was copied
    from; the speaker outside our staff is the person to call."""
    text = (
        "Forwarding this from Tomasz at Bow Valley - it came in on our shared Slack channel.\n\n"
        "Tomasz Wójcik  10:52 AM\n"
        "hey Priya, the big casement at the Prospect Ave job is letting water in at the sill. "
        "I'm on site most days, 403-555-0177. Address is 1127 Prospect Ave SW\n\n"
        "Can you book a tech?"
    )
    got = service(extractor, message(text, from_name="Priya Shah"), staff=True)
    assert got["contact_name"] == "Tomasz Wójcik"
    plain = "Meeting notes\n\nKyle Brandt  10:47 AM\nscreens are late"
    assert chat_paste.split(plain) == (plain, [])


def test_a_chat_the_sign_off_took_for_a_signature_still_gives_the_managers_factor(extractor):
    """ "Dan" over the pasted chat made the chat look like a signature; the manager's factor in
    it is still the one to quote, and the chat's frame line ends its last message."""
    signature = (
        "Dan\n\n-----\n"
        "Dan Schultz  9:21 AM\nCan we do .44 on it? They're comparing us\n\n"
        "Lena Fischer  9:38 AM\n.44 is too low for stock. Go .46\n\n"
        "Dan Schultz  9:40 AM\nthx\n-----\n\nDan Schultz\nAccount Manager"
    )
    msg = message(
        "Ben - quote for Clearview's stock order.\n"
        "Opp: Clearview - Spring Stock / Standard / Funding / close Mar 1\n"
        "Factor per Lena's ok below",
        signature=signature,
    )
    assert quote(extractor, msg)["factor"] == "0.46"
    _, said = chat_paste.split(signature)
    assert said[-1].text == "thx"


def test_whatsapp_copies_each_message_on_its_header_line(extractor):
    text = (
        "Ridgeline - new one. Ron's texts below, pls quote\n"
        "opp Ridgeline - Bearspaw Custom, project, funding, close end of Q3, factor .54\n\n"
        "[6:42 PM, 6/1/2043] Ron Pelletier: ok final count for bearspaw\n"
        "[6:42 PM, 6/1/2043] Ron Pelletier: 18 casements 36x60 triple LowE argon\n"
        "[6:43 PM, 6/1/2043] Ron Pelletier: 4 awnings 36x24 same\n"
    )
    kept, said = chat_paste.split(text)
    assert [m.text for m in said] == [
        "ok final count for bearspaw",
        "18 casements 36x60 triple LowE argon",
        "4 awnings 36x24 same",
    ]
    assert "PM" not in kept
    specs = quote(extractor, message(text, from_name="Priya Shah"))["product_specs"]
    assert specs == "18 casements 36x60 triple LowE argon; 4 awnings 36x24 same"


def test_a_conversation_teams_shares_under_the_sign_off_is_the_request(extractor):
    """Teams' "share to Outlook" puts the chat under the sender's signature, between
    "Conversation shared from Microsoft Teams" and "Go to message in Microsoft Teams": the
    customer's message there gives the products, the guest mark is no company."""
    from intake.parsers.body_parts import split_signature

    body = (
        "Ben - Northgate phase 2. Chat below.\n\n"
        "Opp Northgate - Lakeview Ph2 Duplex Modules, Project, Funding, close Sept 30.\n\n"
        "Dan\n\nDan Schultz | Account Manager, East\nExample Windows & Doors | 416-555-0134\n\n"
        "Conversation shared from Microsoft Teams\n\n"
        "Karen Liu (External)  2/15/2044 9:31 AM\n"
        "Morning Dan! Ph2 duplexes: 16 sliders 48x36 dual pane LoE, 4 picture 60x48.\n\n"
        "Go to message in Microsoft Teams <https://teams.example.com/l/message/19:x/1>"
    )
    new_text, signature = split_signature(body, "Dan Schultz")
    assert "416-555-0134" in signature and "16 sliders" in new_text
    kept, said = chat_paste.split(new_text)
    assert [(m.speaker, m.text) for m in said] == [
        ("Karen Liu", "Morning Dan! Ph2 duplexes: 16 sliders 48x36 dual pane LoE, 4 picture 60x48.")
    ]
    assert "External" not in kept and "Go to message" not in kept
    msg = message(new_text, signature=signature)
    assert quote(extractor, msg)["product_specs"].startswith("16 sliders 48x36 dual pane LoE")
