"""The Slack front door end to end: signed requests over real HTTP into the bolt app at
`/slack/events`, the real pipeline and worker (`drain`), the real Slack dispatcher against a
local fake of the Web API (tests/slack_api.py), on every database backend.

Requests are signed the way Slack signs them (`v0=` HMAC-SHA256 of `v0:{timestamp}:{body}`
with the signing secret). The bot's clock is a `Clock` the test moves; only the signature
timestamps are real time, because bolt checks them against the wall clock.

One module a topic; the fixtures (`clock`, `settings`, `bot`) are in conftest.py, the
shared constants, signed requests, `Bot` and readers of the fake Web API in helpers.py
(tests/test_slack_front_door.py, test_slack_files.py and test_salesforce.py use them too).
"""
