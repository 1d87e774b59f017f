"""A local HTTPS server that answers like the Salesforce REST API, for tests with the real
client library (simple-salesforce over requests).

`FakeSalesforce` listens on 127.0.0.1 (a free port) with a certificate of a throwaway CA
(trustme); `ca_file` is that CA's bundle, for `REQUESTS_CA_BUNDLE` or `SSL_CERT_FILE`. It
serves what the bot uses, with Salesforce's answers and error shapes (a JSON list of
`{"message", "errorCode"}`):

- `POST /services/oauth2/token`, the client-credentials flow (HTTP 400 `invalid_client`
  for a wrong id or secret);
- `PATCH /services/data/vXX.X/sobjects/{Case|Opportunity}/{field}/{value}`: upsert by
  external id (201 created, 200 updated, with `id`); unknown fields are refused
  (400 INVALID_FIELD), and an Opportunity created without Name, StageName or CloseDate
  (400 REQUIRED_FIELD_MISSING);
- `GET .../sobjects/{type}/{field}/{value}` and `GET .../query?q=` for the two queries the
  bot makes (a Case by external id; a Case's FeedItems, newest first, since a time);
- `POST .../chatter/feed-elements`: a feed item on a record, from message segments
  (Text, Mention); its `Body` reads mentions as `@Name`, as Salesforce's does.

A token can be expired (`expire_tokens`: every call then gets 401 INVALID_SESSION_ID until
a new token is asked for), and the next call of a route (`token`, `upsert:Case`,
`upsert:Opportunity`, `get`, `query`, `feed`) can be failed: `fail_next(route, 503)`,
`fail_next(route, 403, "REQUEST_LIMIT_EXCEEDED")`, `fail_next(route, 503, retry_after=
"120")` (with that `Retry-After` header: seconds or an HTTP-date), or `lose_next(route)`,
which does the work and then closes the connection without an answer (the lost answer).
`on_request(route)`, when set, is called as each request arrives, before it is answered:
what a test looks at while the bot waits for an answer.
"""

from __future__ import annotations

import itertools
import json
import re
import ssl
import threading
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import trustme

CLIENT_ID, CLIENT_SECRET = "3MVG9-test-consumer-key", "test-consumer-secret"
API = re.compile(r"^/services/data/v(\d+\.\d)/(.*)$")
STANDARD_FIELDS = {
    "Case": {
        "Subject",
        "Description",
        "Origin",
        "Status",
        "Priority",
        "SuppliedEmail",
        "SuppliedName",
        "OwnerId",
        "AccountId",
        "Account",
    },
    "Opportunity": {"Name", "StageName", "CloseDate", "Amount", "Type", "OwnerId", "AccountId"},
}
ID_PREFIX = {"Case": "500", "Opportunity": "006", "FeedItem": "0D5"}


@dataclass
class Call:
    """One request the server took: `route`, `method`, path, JSON body, and the status
    answered (0: the connection was closed instead)."""

    route: str
    method: str
    path: str
    body: Any
    status: int


@dataclass
class FakeSalesforce:
    """The fake API. Use as a context manager: the server runs inside the block."""

    tmp: Path
    users: dict[str, str] = field(default_factory=dict)  # user id -> name, for mentions
    custom_fields: dict[str, set[str]] = field(default_factory=dict)  # sobject -> fields
    records: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(dict)
    )  # sobject -> id -> record
    feed: list[dict[str, Any]] = field(default_factory=list)  # FeedItems, in creation order
    calls: list[Call] = field(default_factory=list)
    now: datetime | None = None  # CreatedDate of what is made; None: the wall clock
    on_request: Callable[[str], None] | None = None

    def __post_init__(self) -> None:
        self._tokens: set[str] = set()
        self._serial = itertools.count(1)
        self._failures: dict[str, deque[tuple[int, str | None, str | None]]] = defaultdict(deque)
        self._lose: dict[str, int] = defaultdict(int)
        self.lock = threading.Lock()
        ca = trustme.CA()
        self.ca_file = self.tmp / "fake-salesforce-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeSalesforce:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- what a test does -----------------------------------------------------------------

    def expire_tokens(self) -> None:
        with self.lock:
            self._tokens.clear()

    def fail_next(
        self,
        route: str,
        status: int,
        code: str | None = None,
        times: int = 1,
        retry_after: str | None = None,
    ) -> None:
        with self.lock:
            self._failures[route].extend([(status, code, retry_after)] * times)

    def lose_next(self, route: str, times: int = 1) -> None:
        with self.lock:
            self._lose[route] += times

    def by_external(self, sobject: str, field_name: str, value: str) -> list[dict[str, Any]]:
        return [r for r in self.records[sobject].values() if r.get(field_name) == value]

    def feed_of(self, parent: str) -> list[dict[str, Any]]:
        return [item for item in self.feed if item["ParentId"] == parent]

    def routes(self) -> list[str]:
        return [c.route for c in self.calls]

    # -- what the server does -------------------------------------------------------------

    def _new_id(self, sobject: str) -> str:
        return f"{ID_PREFIX[sobject]}{next(self._serial):015d}"

    def _created(self) -> str:
        at = self.now or datetime.now(UTC)
        return at.strftime("%Y-%m-%dT%H:%M:%S.000+0000")

    def handle(
        self, method: str, path: str, headers: Any, body: bytes
    ) -> tuple[int, Any, str, dict[str, str]]:
        """(status, JSON answer, route, extra headers); status 0: close without answering."""
        if path == "/services/oauth2/token" and method == "POST":
            return self._token(body)
        m = API.match(urlsplit(path).path)
        if m is None:
            return 404, [{"errorCode": "NOT_FOUND", "message": "resource not found"}], "?", {}
        rest = m.group(2)
        route, action = self._route(method, rest)
        if self.on_request is not None:
            self.on_request(route)
        auth = headers.get("Authorization") or ""
        with self.lock:
            valid = auth.startswith("Bearer ") and auth[7:] in self._tokens
        if not valid:
            error = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
            return 401, error, route, {}
        failed = self._failure(route)
        if failed is not None:
            return failed[0], failed[1], route, failed[2]
        try:
            data = json.loads(body) if body else None
        except ValueError:
            return 400, [{"errorCode": "JSON_PARSER_ERROR", "message": "bad JSON"}], route, {}
        status, answer = action(rest, data, path)
        with self.lock:
            if self._lose[route] > 0:
                self._lose[route] -= 1
                return 0, None, route, {}  # the work is done; the answer never arrives
        return status, answer, route, {}

    def _failure(self, route: str) -> tuple[int, Any, dict[str, str]] | None:
        with self.lock:
            if not self._failures[route]:
                return None
            status, code, retry_after = self._failures[route].popleft()
        extra = {"Retry-After": retry_after} if retry_after is not None else {}
        if status == 503:
            answer = [{"errorCode": "SERVER_UNAVAILABLE", "message": "Service Unavailable"}]
            return 503, answer, extra
        message = "TotalRequests Limit exceeded." if code == "REQUEST_LIMIT_EXCEEDED" else "no"
        return status, [{"errorCode": code or "UNKNOWN_EXCEPTION", "message": message}], extra

    def _token(self, body: bytes) -> tuple[int, Any, str, dict[str, str]]:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if self.on_request is not None:
            self.on_request("token")
        failed = self._failure("token")
        if failed is not None:
            answer = {"error": "unavailable", "error_description": "try later"}
            return 503, answer, "token", failed[2]
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("client_id") != CLIENT_ID
            or form.get("client_secret") != CLIENT_SECRET
        ):
            answer = {"error": "invalid_client", "error_description": "invalid client"}
            return 400, answer, "token", {}
        token = f"00D-token-{next(self._serial)}"
        with self.lock:
            self._tokens.add(token)
        return (
            200,
            {
                "access_token": token,
                "instance_url": self.url,
                "id": f"{self.url}/id/00D000000000001/005000000000001",
                "token_type": "Bearer",
                "issued_at": "1700000000000",
                "signature": "x",
            },
            "token",
            {},
        )

    def _route(self, method: str, rest: str) -> tuple[str, Any]:
        parts = rest.split("/")
        if parts[0] == "sobjects" and len(parts) == 4 and method == "PATCH":
            return f"upsert:{parts[1]}", self._upsert
        if parts[0] == "sobjects" and len(parts) == 4 and method == "GET":
            return "get", self._get
        if rest.startswith("query") and method == "GET":
            return "query", self._query
        if rest == "chatter/feed-elements" and method == "POST":
            return "feed", self._post
        return "?", lambda *_: (404, [{"errorCode": "NOT_FOUND", "message": rest}])

    def _upsert(self, rest: str, data: Any, path: str) -> tuple[int, Any]:
        _, sobject, ext_field, value = rest.split("/")
        value = unquote(value)
        known = STANDARD_FIELDS.get(sobject, set()) | self.custom_fields.get(sobject, set())
        for name in data:
            if name not in known:
                message = f"No such column '{name}' on sobject of type {sobject}"
                return 400, [{"errorCode": "INVALID_FIELD", "message": message}]
        if ext_field not in self.custom_fields.get(sobject, set()):
            message = f"Provided external ID field does not exist or is not accessible: {ext_field}"
            return 404, [{"errorCode": "NOT_FOUND", "message": message}]
        with self.lock:
            found = self.by_external(sobject, ext_field, value)
            if found:
                found[0].update(data)
                return 200, {"id": found[0]["Id"], "success": True, "errors": [], "created": False}
            if sobject == "Opportunity":
                missing = [f for f in ("Name", "StageName", "CloseDate") if f not in data]
                if missing:
                    message = f"Required fields are missing: [{', '.join(missing)}]"
                    return 400, [{"errorCode": "REQUIRED_FIELD_MISSING", "message": message}]
            new_id = self._new_id(sobject)
            self.records[sobject][new_id] = {"Id": new_id, ext_field: value, **data}
        return 201, {"id": new_id, "success": True, "errors": [], "created": True}

    def _get(self, rest: str, data: Any, path: str) -> tuple[int, Any]:
        _, sobject, ext_field, value = rest.split("/")
        found = self.by_external(sobject, ext_field, unquote(value))
        if not found:
            message = "The requested resource does not exist"
            return 404, [{"errorCode": "NOT_FOUND", "message": message}]
        return 200, {"attributes": {"type": sobject}, **found[0]}

    def _query(self, rest: str, data: Any, path: str) -> tuple[int, Any]:
        soql = parse_qs(urlsplit(path).query).get("q", [""])[0]
        m = re.fullmatch(
            r"SELECT Id, Body FROM FeedItem WHERE ParentId = '(\w+)' AND CreatedDate >= "
            r"(\S+) ORDER BY CreatedDate DESC LIMIT (\d+)",
            soql,
        )
        if m:
            since = datetime.strptime(m.group(2), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            items = [
                {"attributes": {"type": "FeedItem"}, "Id": i["Id"], "Body": i["Body"]}
                for i in reversed(self.feed_of(m.group(1)))
                if datetime.strptime(i["CreatedDate"], "%Y-%m-%dT%H:%M:%S.000+0000").replace(
                    tzinfo=UTC
                )
                >= since
            ][: int(m.group(3))]
            return 200, {"totalSize": len(items), "done": True, "records": items}
        m = re.fullmatch(r"SELECT Id FROM Case WHERE (\w+) = '([^']*)' LIMIT 1", soql)
        if m:
            items = [
                {"attributes": {"type": "Case"}, "Id": r["Id"]}
                for r in self.by_external("Case", m.group(1), m.group(2))
            ]
            return 200, {"totalSize": len(items), "done": True, "records": items}
        return 400, [{"errorCode": "MALFORMED_QUERY", "message": f"not understood: {soql}"}]

    def _post(self, rest: str, data: Any, path: str) -> tuple[int, Any]:
        if not isinstance(data, dict) or data.get("feedElementType") != "FeedItem":
            return 400, [{"errorCode": "INVALID_API_INPUT", "message": "feedElementType"}]
        parent = data.get("subjectId")
        if parent not in self.records["Case"]:
            return 404, [{"errorCode": "NOT_FOUND", "message": f"no record {parent}"}]
        segments = (data.get("body") or {}).get("messageSegments") or []
        text = []
        for segment in segments:
            if segment.get("type") == "Text":
                text.append(segment["text"])
            elif segment.get("type") == "Mention":
                if segment.get("id") not in self.users:
                    return 400, [{"errorCode": "INVALID_ID_FIELD", "message": segment.get("id")}]
                text.append("@" + self.users[segment["id"]])
            else:
                return 400, [{"errorCode": "INVALID_API_INPUT", "message": "segment type"}]
        with self.lock:
            item = {
                "Id": self._new_id("FeedItem"),
                "ParentId": parent,
                "Body": "".join(text),
                "segments": segments,
                "CreatedDate": self._created(),
            }
            self.feed.append(item)
        return 201, {
            "id": item["Id"],
            "feedElementType": "FeedItem",
            "body": {"text": item["Body"], "messageSegments": segments},
            "parent": {"id": parent},
        }


def _handler(fake: FakeSalesforce) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, answer, route, extra = fake.handle(self.command, self.path, self.headers, body)
            try:
                data = json.loads(body) if body and route != "token" else None
            except ValueError:
                data = None
            fake.calls.append(Call(route, self.command, self.path, data, status))
            if status == 0:
                self.close_connection = True
                self.connection.shutdown(2)
                return
            out = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(out)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(out)

        do_GET = do_POST = do_PATCH = _serve

    return Handler
