"""A local HTTP server that answers like the Slack Web API, for tests with a real WebClient.

`FakeSlack` listens on 127.0.0.1 (a free port) in a background thread; point a client at
`base_url`. It records every call (method, arguments from a form-encoded, multipart or JSON
body and the query string, the Authorization header, the answer) and can be told to fail
the next call of a method: a 429 with `Retry-After`, a 5xx, an `ok: false` error, or a slow
answer (to make the client time out).

It also keeps files (`add_file`): `files.info` describes them, and their private download
URL (on this server, under `/files-pri/`) serves the bytes to a request with the bot token
as Bearer auth, or Slack's sign-in page (HTML) to one without. A download can be failed
(`fail_next("download:F...", 500)`) or stalled (`delay_next("download:F...", seconds)`) like
any method; `downloads` records each download request.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

DEFAULT_TOKEN = "xoxb-test-token"


@dataclass
class Call:
    """One request the server answered."""

    method: str
    args: dict[str, Any]
    authorization: str | None
    status: int
    response: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok"))


@dataclass
class _Failure:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    delay: float = 0.0


@dataclass
class FakeSlack:
    """The fake Web API. Use as a context manager: the server runs inside the block."""

    token: str = DEFAULT_TOKEN
    channels: dict[str, str] = field(default_factory=dict)  # "#name" -> channel id
    calls: list[Call] = field(default_factory=list)
    files: dict[str, tuple[dict[str, Any], bytes]] = field(default_factory=dict)
    downloads: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self._failures: dict[str, deque[_Failure]] = defaultdict(deque)
        self._ts = 1_700_000_000_000_000  # microseconds; each post gets the next 100
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def __enter__(self) -> FakeSlack:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-slack", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    # -- what the test asks for ---------------------------------------------------------

    def fail_next(self, method: str, status: int = 429, retry_after: int | None = None) -> None:
        """Answer the next call of `method` with HTTP `status` (429: rate limited, with
        `Retry-After: retry_after` when given)."""
        error = "ratelimited" if status == 429 else "internal_error"
        with self.lock:
            self._failures[method].append(_Failure(status, error, retry_after))

    def error_next(self, method: str, error: str) -> None:
        """Answer the next call of `method` with 200 and `{"ok": false, "error": error}`."""
        with self.lock:
            self._failures[method].append(_Failure(200, error))

    def delay_next(self, method: str, seconds: float) -> None:
        """Answer the next call of `method` normally, but only after `seconds` (the call is
        recorded and takes effect: a client that timed out does not know that)."""
        with self.lock:
            self._failures[method].append(_Failure(delay=seconds))

    def posts(self, channel: str | None = None) -> list[Call]:
        """The chat.postMessage calls that posted a message (answered ok), oldest first."""
        with self.lock:
            return [
                c
                for c in self.calls
                if c.method == "chat.postMessage"
                and c.ok
                and (channel is None or c.response.get("channel") == channel)
            ]

    def ephemerals(self, user: str | None = None) -> list[Call]:
        """The chat.postEphemeral calls answered ok (to `user`, when given), oldest first."""
        with self.lock:
            return [
                c
                for c in self.calls
                if c.method == "chat.postEphemeral"
                and c.ok
                and (user is None or c.args.get("user") == user)
            ]

    def calls_of(self, method: str) -> list[Call]:
        """Every call of `method`, answered ok or not."""
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def add_file(
        self, file_id: str, name: str, content: bytes, mimetype: str = "image/jpeg"
    ) -> dict[str, Any]:
        """Keep a file; returns its entry as a message event carries it (partial, as Slack
        sends it when the app must ask files.info)."""
        url = f"http://127.0.0.1:{self.port}/files-pri/T0FAKE-{file_id}/download/{name}"
        info = {
            "id": file_id,
            "name": name,
            "title": name,
            "mimetype": mimetype,
            "filetype": name.rsplit(".", 1)[-1],
            "size": len(content),
            "url_private": url.replace("/download/", "/"),
            "url_private_download": url,
        }
        with self.lock:
            self.files[file_id] = (info, content)
        return {"id": file_id, "mode": "hosted", "file_access": "check_file_info"}

    # -- answering ------------------------------------------------------------------------

    def _answer(
        self, method: str, args: dict[str, Any], authorization: str | None
    ) -> tuple[int, dict[str, str], dict[str, Any], float]:
        with self.lock:
            queued = self._failures.get(method)
            failure = queued.popleft() if queued else None
            status, headers, body = self._respond(method, args, authorization, failure)
            self.calls.append(Call(method, args, authorization, status, body))
        return status, headers, body, failure.delay if failure else 0.0

    def _respond(
        self,
        method: str,
        args: dict[str, Any],
        authorization: str | None,
        failure: _Failure | None,
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        if failure is not None and failure.error is not None:
            headers = {}
            if failure.status == 429 and failure.retry_after is not None:
                headers["Retry-After"] = str(failure.retry_after)
            return failure.status, headers, {"ok": False, "error": failure.error}
        token = None
        if authorization and authorization.startswith("Bearer "):
            token = authorization.removeprefix("Bearer ").strip()
        token = token or args.get("token")
        if not token:
            return 200, {}, {"ok": False, "error": "not_authed"}
        if token != self.token:
            return 200, {}, {"ok": False, "error": "invalid_auth"}
        if method == "chat.postMessage":
            channel = str(args.get("channel") or "")
            if not channel:
                return 200, {}, {"ok": False, "error": "channel_not_found"}
            channel = self.channels.get(channel, channel)
            self._ts += 100
            ts = f"{self._ts // 1_000_000}.{self._ts % 1_000_000:06d}"
            message: dict[str, Any] = {
                "type": "message",
                "text": args.get("text", ""),
                "user": "U0BOT",
                "bot_id": "B0BOT",
                "ts": ts,
            }
            if args.get("thread_ts"):
                message["thread_ts"] = args["thread_ts"]
            if args.get("blocks"):
                message["blocks"] = args["blocks"]
            return 200, {}, {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method == "chat.update":
            return (
                200,
                {},
                {
                    "ok": True,
                    "channel": args.get("channel"),
                    "ts": args.get("ts"),
                    "text": args.get("text", ""),
                },
            )
        if method == "chat.postEphemeral":
            if not args.get("channel") or not args.get("user"):
                return 200, {}, {"ok": False, "error": "channel_not_found"}
            self._ts += 100
            ts = f"{self._ts // 1_000_000}.{self._ts % 1_000_000:06d}"
            return 200, {}, {"ok": True, "message_ts": ts}
        if method == "files.info":
            found = self.files.get(str(args.get("file") or ""))
            if found is None:
                return 200, {}, {"ok": False, "error": "file_not_found"}
            return 200, {}, {"ok": True, "file": found[0]}
        if method == "views.publish":
            return 200, {}, {"ok": True, "view": {"id": "V0FAKE", "type": "home"}}
        if method == "auth.test":
            return (
                200,
                {},
                {
                    "ok": True,
                    "url": "https://fake.slack.com/",
                    "team": "Fake",
                    "user": "intake",
                    "team_id": "T0FAKE",
                    "user_id": "U0BOT",
                    "bot_id": "B0BOT",
                },
            )
        return 200, {}, {"ok": False, "error": "unknown_method"}


def _parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    """Arguments from a request body as slack_sdk sends them: JSON, form or multipart."""
    kind = content_type.split(";")[0].strip().lower()
    if not body:
        return {}
    if kind == "application/json":
        data = json.loads(body.decode("utf-8"))
        return data if isinstance(data, dict) else {}
    if kind == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        args: dict[str, Any] = {}
        for part in message.iter_parts():  # type: ignore[attr-defined]
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            args[str(name)] = payload if part.get_filename() else payload.decode("utf-8")
        return args
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        self._serve()

    def do_GET(self) -> None:  # noqa: N802
        self._serve()

    def _serve(self) -> None:
        fake: FakeSlack = self.server.fake  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if url.path.startswith("/files-pri/"):
            self._download(fake, url.path)
            return
        if not url.path.startswith("/api/"):
            self._send(404, {}, {"ok": False, "error": "not_found"})
            return
        args = dict(parse_qsl(url.query, keep_blank_values=True))
        args.update(_parse_body(self.headers.get("Content-Type", ""), body))
        method = url.path.removeprefix("/api/")
        status, headers, answer, delay = fake._answer(
            method, args, self.headers.get("Authorization")
        )
        if delay:
            time.sleep(delay)
        self._send(status, headers, answer)

    def _download(self, fake: FakeSlack, path: str) -> None:
        """A file's private URL: `/files-pri/T0FAKE-<id>/download/<name>`."""
        parts = path.split("/")
        file_id = parts[2].removeprefix("T0FAKE-") if len(parts) > 2 else ""
        authorization = self.headers.get("Authorization")
        with fake.lock:
            queued = fake._failures.get(f"download:{file_id}")
            failure = queued.popleft() if queued else None
            found = fake.files.get(file_id)
            if failure is not None and failure.error is not None:
                status, body, kind = failure.status, b"<html>error</html>", "text/html"
            elif found is None:
                status, body, kind = 404, b"<html>not found</html>", "text/html"
            elif authorization != f"Bearer {fake.token}":
                status, body, kind = 200, b"<html>sign in to Slack</html>", "text/html"
            else:
                status, body, kind = 200, found[1], found[0]["mimetype"]
            fake.downloads.append(Call("download", {"file": file_id}, authorization, status, {}))
        if failure is not None and failure.delay:
            time.sleep(failure.delay)
        self._send(status, {}, {}, data=body, content_type=kind)

    def _send(
        self,
        status: int,
        headers: dict[str, str],
        answer: dict[str, Any],
        *,
        data: bytes | None = None,
        content_type: str = "application/json; charset=utf-8",
    ) -> None:
        data = json.dumps(answer).encode("utf-8") if data is None else data
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timed out) before the answer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass
