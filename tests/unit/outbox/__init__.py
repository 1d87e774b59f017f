"""bot/outbox.py, the email dispatcher, against a real relay on loopback (aiosmtpd) whose
answers each test scripts: what becomes of a row for each answer a relay can give.

The rules that matter to a customer: a temporary refusal (4xx) at RCPT is retried, never
taken as a bounce (a greylisting relay would otherwise lose every first acknowledgement);
251 ("not local, will forward") is a success; a permanent failure is an attempt like any
other (the operator reads `attempts` to see what was tried); a row that was handed over is
never sent again.

One module a topic; the fixtures (the relay, the sessions) are in conftest.py, the shared
constants, builders and fake transports and feeds in helpers.py.
"""
