"""The bot's HTTP front door: a small threaded HTTP server in front of bolt that lets
through only what Slack itself could have sent, and never lets one client hold much.

It also answers `GET /healthz` and `GET /metrics` (bot/health.py), with Slack on or off: one
hardened server on `slack.http_listen`, not a second one beside it. With Slack off, a POST
to `/slack/events` is answered 404.

Plain `http.server` read every body whole before anything was checked, waited forever for a
slow client, listened with a backlog of 5 and answered a body it could not parse with a
traceback and a dropped connection (issue 13, item 5). Here, in order:

1. The request line and headers must arrive within `READ_SECONDS` of the connection being
   taken up, and together be at most `MAX_HEAD_BYTES`; the body must arrive within the same
   deadline. A half-open or trickling client is dropped when it runs out, having held one
   of `MAX_HANDLERS` threads for at most that long. Connections beyond `MAX_HANDLERS` wait
   in the kernel's listen queue (`BACKLOG`), not in threads of ours.
2. Only POST to `/slack/events` (404 otherwise). `Content-Length` is judged before a byte of
   the body is read: missing (or chunked) 411, not a plain number (or given twice, or with
   `Transfer-Encoding` too) 400, more than `MAX_BODY_BYTES` 413.
3. The body must be UTF-8 (400), then carry Slack's signature (401, checked by slack_sdk's
   `SignatureVerifier`: HMAC of `v0:{timestamp}:{body}`, at most five minutes old).
4. It is parsed once, here (`read_body`): JSON for the Events API, a form for slash commands,
   a form with a JSON `payload` for buttons; anything else, or a shape bolt and our listeners
   cannot read (a required field missing, a list where an object belongs), is a 400 naming
   what is wrong. bolt then gets the parsed object as JSON, so it never re-parses the form
   itself: its own parser takes any form body that contains the word "payload" for a button
   click, and a slash command like `/intake quote payload 3 t …` was answered 404 and lost.

Nothing that arrives yields a traceback: unexpected failures are logged in one line (the
traceback at debug level) and answered 500 when an answer can still be sent.

`MAX_BODY_BYTES`: Slack documents no size limit for what it sends us. What drives the size
is message text, which Slack truncates at 40,000 characters
(https://api.slack.com/changelog/2018-04-truncating-really-long-messages); written entirely
as `\\uXXXX` surrogate pairs (12 bytes a character) and repeated in the message's blocks that
is 0.96 MB, so 2 MiB takes any genuine event with room to spare, and holds at most
`MAX_HANDLERS` × 2 MiB of bodies in memory at once.
"""

from __future__ import annotations

import io
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from slack_sdk.signature import SignatureVerifier

log = logging.getLogger("intake.slack.http")

PATH = "/slack/events"
MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_HEAD_BYTES = 64 * 1024  # request line and headers; Slack's are about 1 kB
READ_SECONDS = 5.0  # the whole request; Slack wants its answer within 3 s of sending it
WRITE_SECONDS = 5.0  # each write of the answer
BACKLOG = 1024  # the kernel caps it at net.core.somaxconn (4096 on current Linux)
MAX_HANDLERS = 64  # connections served at once; more wait in the listen queue
DRAIN_SECONDS = 1.0  # after refusing a body: read what is in flight so the answer is not reset
DRAIN_BYTES = 256 * 1024
_NUMBER = re.compile(r"[0-9]{1,15}")
_FORM_FIELDS = 100  # a slash command has about a dozen


@dataclass
class Answer:
    """What the front door sends back: bolt's answer, or one of its own refusals."""

    status: int
    body: str = ""
    headers: dict[str, list[str]] = field(default_factory=dict)


class BadRequest(Exception):
    """A request refused before bolt sees it; the message is the answer's body."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


# -- the body -------------------------------------------------------------------------------

# Fields bolt's context builder and our listeners read, and the types they must have when
# present (None is always allowed: Slack sends `"enterprise": null` and the like).
_DICT, _LIST, _STR = (dict,), (list,), (str,)
_FIELDS: dict[str, tuple[type, ...]] = {
    "type": _STR,
    "subtype": _STR,
    "text": _STR,
    "ts": _STR,
    "thread_ts": _STR,
    "event_ts": _STR,
    "channel_type": _STR,
    "bot_id": _STR,
    "team_id": _STR,
    "user_id": _STR,
    "channel_id": _STR,
    "enterprise_id": _STR,
    "api_app_id": _STR,
    "event_id": _STR,
    "command": _STR,
    "challenge": _STR,
    "response_url": _STR,
    "trigger_id": _STR,
    "action_id": _STR,
    "block_id": _STR,
    "value": _STR,
    "tab": _STR,
    "user": (str, dict),
    "channel": (str, dict),
    "team": (str, dict),
    "enterprise": (str, dict),
    "event": _DICT,
    "message": _DICT,
    "previous_message": _DICT,
    "item": _DICT,
    "view": _DICT,
    "container": _DICT,
    "function_data": _DICT,
    "assistant_thread": _DICT,
    "authorizations": _LIST,
    "actions": _LIST,
    "response_urls": _LIST,
}
_NESTED_OBJECTS = ("event", "message", "previous_message", "container", "user", "channel")
# The items of lists: a button's `text` is an object, so they get tables of their own.
_ITEM_FIELDS: dict[str, dict[str, tuple[type, ...]]] = {
    "authorizations": {k: _STR for k in ("team_id", "user_id", "enterprise_id")},
    "actions": {k: _STR for k in ("type", "action_id", "block_id", "value", "action_ts")},
    "response_urls": {k: _STR for k in ("response_url", "channel_id", "block_id")},
}


def read_body(raw: bytes, content_type: str | None) -> dict[str, Any]:
    """The request as one object, the way Slack means it; `BadRequest` when it is not one
    Slack would send. JSON is an Events API callback; a form is a slash command (or Slack's
    `ssl_check`); a form whose only field is `payload` carries a button click's JSON."""
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(400, f"the body is not UTF-8 (byte {exc.start})") from None
    if kind == "application/json":
        data = _json_object(text, "the body")
    elif kind == "application/x-www-form-urlencoded":
        form = _form(text)
        if "payload" in form:
            if len(form) != 1:
                raise BadRequest(400, "a form with a payload has no other fields")
            data = _json_object(form["payload"], "the payload")
        else:
            data = form
    else:
        raise BadRequest(415, f"Content-Type {kind or '(none)'} is not one Slack sends")
    _check_shape(data)
    return data


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise BadRequest(400, f"{what} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadRequest(400, f"{what} is JSON but not an object")
    return data


def _form(text: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=_FORM_FIELDS,
        )
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(400, f"the body is not a form: {exc}") from None
    form = dict(pairs)
    if len(form) != len(pairs):
        raise BadRequest(400, "a form field is given twice")
    return form


def _check_shape(data: dict[str, Any]) -> None:
    _check_fields(data, "the request")
    for key in _NESTED_OBJECTS:
        if isinstance(data.get(key), dict):
            _check_fields(data[key], key)
    event = data.get("event")
    if isinstance(event, dict):
        for key in ("message", "previous_message"):
            if isinstance(event.get(key), dict):
                _check_fields(event[key], f"event.{key}")
    for key, fields in _ITEM_FIELDS.items():
        for i, item in enumerate(data.get(key) or []):
            if not isinstance(item, dict):
                raise BadRequest(400, f"{key}[{i}] is not an object")
            _check_fields(item, f"{key}[{i}]", fields)

    if "ssl_check" in data:
        return
    if "command" in data:  # a slash command
        for key in ("command", "user_id", "team_id"):
            if not data.get(key):
                raise BadRequest(400, f"a slash command without {key}")
        return
    kind = data.get("type")
    if not kind:
        raise BadRequest(400, "no type: neither an event, a command nor an interaction")
    if kind == "url_verification" and not data.get("challenge"):
        raise BadRequest(400, "url_verification without challenge")
    if kind == "event_callback" and not (isinstance(event, dict) and event.get("type")):
        raise BadRequest(400, "event_callback without an event with a type")
    if kind == "block_actions":
        user = data.get("user")
        if not (isinstance(user, dict) and user.get("id")):
            raise BadRequest(400, "block_actions without user.id")
        actions = data.get("actions")
        if not actions or not all(a.get("action_id") for a in actions):
            raise BadRequest(400, "block_actions without actions, or an action without id")


def _check_fields(
    obj: dict[str, Any], where: str, fields: dict[str, tuple[type, ...]] = _FIELDS
) -> None:
    for key, types in fields.items():
        value = obj.get(key)
        if value is not None and not isinstance(value, types):
            names = " or ".join(t.__name__ for t in types)
            raise BadRequest(400, f"{where}: {key} is {type(value).__name__}, not {names}")


# -- reading with a deadline and a budget --------------------------------------------------------


class _HeadTooLarge(Exception):
    pass


class _DeadlineReader(io.RawIOBase):
    """The connection's bytes, read against one deadline for the whole request (a
    per-read time-out alone lets a client send a byte every few seconds forever) and a
    byte budget (the head may not be megabytes)."""

    def __init__(self, sock: socket.socket, deadline: float, budget: int) -> None:
        self.sock, self.deadline, self.budget = sock, deadline, budget

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.budget <= 0:
            raise _HeadTooLarge
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request did not arrive in time")
        self.sock.settimeout(left)
        view = memoryview(buffer).cast("B")
        n = self.sock.recv_into(view[: self.budget])
        self.budget -= n
        return n


# -- the server ---------------------------------------------------------------------------


Dispatch = Callable[[dict[str, Any], dict[str, list[str]]], Answer]
Route = Callable[[], Answer]  # a GET path's answer (/healthz, /metrics): no body, no input


class _Handler(BaseHTTPRequestHandler):
    """One connection, one request (HTTP/1.0: no idle keep-alive connections to hold)."""

    server: SlackHTTPServer

    def setup(self) -> None:
        self.connection = self.request
        self.deadline = time.monotonic() + READ_SECONDS
        self.reader = _DeadlineReader(self.connection, self.deadline, MAX_HEAD_BYTES)
        self.rfile = io.BufferedReader(self.reader)
        self.wfile = self.connection.makefile("wb")
        self.body_left = 0  # bytes of the body announced and not read

    def handle(self) -> None:
        try:
            super().handle()
        except _HeadTooLarge:
            self.body_left = DRAIN_BYTES  # the rest of the head, still coming
            self.respond(Answer(431, "request line and headers are too large"))
        except TimeoutError:
            log.info("slack http: %s dropped: no complete request in time", self.peer)
        except OSError as exc:  # reset, broken pipe, closed early: the client is gone
            log.info("slack http: %s dropped: %s", self.peer, exc)

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        path = self.path.split("?", 1)[0]
        route = self.server.routes.get(path)
        if route is None:
            if path == PATH:
                answer = Answer(405, "Slack posts here", {"Allow": ["POST"]})
            else:
                answer = Answer(404, "nothing here")
            self.respond(answer)
            return
        try:
            answer = route()
        except Exception as exc:  # noqa: BLE001 - a bug must not become a dropped connection
            log.error("http: %s GET %s: %s: %s", self.peer, path, type(exc).__name__, exc)
            log.debug("http: traceback", exc_info=True)
            answer = Answer(500, "internal error")
        self.respond(answer)

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        try:
            raw = self.read_request_body()  # OSError, _HeadTooLarge: up to `handle`
        except BadRequest as exc:
            self.respond(Answer(exc.status, str(exc)))
            return
        try:
            answer = self.process(raw)
        except BadRequest as exc:
            answer = Answer(exc.status, str(exc))
        except Exception as exc:  # noqa: BLE001 - a bug must not become a dropped connection
            log.error("slack http: %s: %s: %s", self.peer, type(exc).__name__, exc)
            log.debug("slack http: traceback", exc_info=True)
            answer = Answer(500, "internal error")
        self.respond(answer)

    def read_request_body(self) -> bytes:
        declared = (self.headers.get("Content-Length") or "").strip()
        self.body_left = int(declared) if _NUMBER.fullmatch(declared) else 0  # for `drain`
        if self.path.split("?", 1)[0] != PATH:
            raise BadRequest(404, f"nothing here; Slack posts to {PATH}")
        if self.server.dispatch is None:
            raise BadRequest(404, "Slack is off here (no SLACK_BOT_TOKEN)")
        length = self.content_length()
        self.reader.budget = length  # the head's read-ahead may already hold part of it
        raw = self.rfile.read(length)
        if len(raw) != length:
            raise ConnectionError("the client closed before the whole body arrived")
        self.body_left = 0
        return raw

    def process(self, raw: bytes) -> Answer:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadRequest(400, f"the body is not UTF-8 (byte {exc.start})") from None
        if not self.server.signed(raw, self.headers):
            log.info("slack http: %s: unsigned or stale request refused", self.peer)
            raise BadRequest(401, "invalid or stale signature")
        body = read_body(raw, self.headers.get("Content-Type"))
        headers = {k.lower(): [v] for k, v in self.headers.items() if k.lower().startswith("x-")}
        assert self.server.dispatch is not None  # refused in read_request_body
        return self.server.dispatch(body, headers)

    def content_length(self) -> int:
        """The body's announced length, judged before any of it is read."""
        values = self.headers.get_all("Content-Length") or []
        chunked = self.headers.get("Transfer-Encoding")
        if chunked and values:
            raise BadRequest(400, "both Content-Length and Transfer-Encoding")
        if not values:
            raise BadRequest(411, "Content-Length is required")
        if len({v.strip() for v in values}) != 1 or not _NUMBER.fullmatch(values[0].strip()):
            raise BadRequest(400, "Content-Length is not one plain number")
        length = int(values[0])
        if length > MAX_BODY_BYTES:
            raise BadRequest(413, f"the body may be at most {MAX_BODY_BYTES} bytes")
        if length == 0:
            raise BadRequest(400, "the body is empty")
        return length

    def respond(self, answer: Answer) -> None:
        payload = answer.body.encode("utf-8")
        if getattr(self, "request_version", "HTTP/0.9") == "HTTP/0.9":
            self.request_version = "HTTP/1.0"  # refused before the request line was read
        if not hasattr(self, "requestline"):
            self.requestline = ""
        self.connection.settimeout(WRITE_SECONDS)
        try:
            self.send_response(answer.status)
            for name, values in answer.headers.items():
                if name.lower() in ("content-length", "connection"):
                    continue
                for value in values:
                    self.send_header(name, value)
            if not any(n.lower() == "content-type" for n in answer.headers):
                self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        except OSError as exc:
            log.debug("slack http: %s: answer not delivered: %s", self.peer, exc)
            return
        if self.body_left:
            self.drain()

    def drain(self) -> None:
        """After refusing a body the client is still sending: stop sending, read (and drop)
        a little of what is in flight, so the kernel does not answer it with a reset that
        destroys our answer before the client reads it. Bounded in time and bytes."""
        try:
            self.connection.shutdown(socket.SHUT_WR)
            until = time.monotonic() + DRAIN_SECONDS
            budget = min(self.body_left, DRAIN_BYTES)
            while budget > 0 and (left := until - time.monotonic()) > 0:
                self.connection.settimeout(left)
                got = self.connection.recv(min(65536, budget))
                if not got:
                    break
                budget -= len(got)
        except OSError:
            pass

    @property
    def peer(self) -> str:
        host, port = self.client_address[:2]
        return f"{host}:{port}"

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # http.server's own refusals (a bad request line, 501 for GET): ours, in plain text
        self.close_connection = True
        self.respond(Answer(code, message or HTTPStatus(code).phrase))

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("slack http: %s " + format, self.peer, *args)

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002
        # http.server calls it for a request line that timed out: a client dropped
        log.info("slack http: %s dropped: " + format, self.peer, *args)


class SlackHTTPServer(ThreadingHTTPServer):
    """Threads for at most `MAX_HANDLERS` connections at once; the rest wait in the
    listen queue until one is free (and are dropped, unserved, when the server stops)."""

    request_queue_size = BACKLOG
    daemon_threads = True
    block_on_close = False

    def __init__(
        self,
        address: tuple[str, int],
        signing_secret: str | None,
        dispatch: Dispatch | None,
        routes: dict[str, Route] | None = None,
    ) -> None:
        """`dispatch` None: Slack is off (POST /slack/events is 404). `routes`: GET paths."""
        self.verifier = SignatureVerifier(signing_secret) if signing_secret else None
        self.dispatch = dispatch
        self.routes = dict(routes or {})
        self.slots = threading.BoundedSemaphore(MAX_HANDLERS)
        self.stopping = False
        super().__init__(address, _Handler)

    def signed(self, raw: bytes, headers: Any) -> bool:
        if self.verifier is None:
            return False
        try:
            return self.verifier.is_valid(
                body=raw,
                timestamp=headers.get("X-Slack-Request-Timestamp"),
                signature=headers.get("X-Slack-Signature"),
            )
        except ValueError:  # a timestamp that is no number
            return False

    def process_request(self, request: Any, client_address: Any) -> None:
        while not self.slots.acquire(timeout=0.2):
            if self.stopping:
                self.shutdown_request(request)
                return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def shutdown(self) -> None:
        """Stop serving and let the port go at once (a bot started again in the same
        process, as the tests do, binds it anew)."""
        self.stopping = True
        super().shutdown()
        self.server_close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.error("slack http: %s: request failed", client_address)
        log.debug("slack http: traceback", exc_info=True)
