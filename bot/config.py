"""All settings of a running bot, in one typed place.

Precedence, lowest first: the built-in defaults below, the TOML file (`--config`, else
`intake.toml` in the working directory when present), then the environment variables that
deployments set (`INTAKE_DATABASE_URL`, `INTAKE_SMTP_LISTEN`, `INTAKE_SMTP_RELAY`,
`INTAKE_ORG`). A bad value is reported once, naming the key and where it came from.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from intake.bot.imap_settings import ImapSettings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_FILE = Path("intake.toml")

ENV_OVERRIDES: dict[str, tuple[str, str]] = {
    "INTAKE_DATABASE_URL": ("database", "url"),
    "INTAKE_SMTP_LISTEN": ("smtp", "listen"),
    "INTAKE_SMTP_RELAY": ("relay", "address"),
    "INTAKE_ORG": ("bot", "org"),
    "SLACK_BOT_TOKEN": ("slack", "bot_token"),
    "SLACK_SIGNING_SECRET": ("slack", "signing_secret"),
    "SLACK_APP_TOKEN": ("slack", "app_token"),
    "INTAKE_SLACK_API_URL": ("slack", "api_url"),
    "INTAKE_HTTP_LISTEN": ("slack", "http_listen"),
    "INTAKE_IMAP_URL": ("imap", "url"),
    "INTAKE_SALESFORCE_URL": ("salesforce", "instance_url"),
    "SALESFORCE_CLIENT_ID": ("salesforce", "client_id"),
    "SALESFORCE_CLIENT_SECRET": ("salesforce", "client_secret"),
}


class ConfigError(ValueError):
    """A setting is wrong; the message names the key and its source."""


LOG_FORMATS = ("text", "json")


def log_format(env: Mapping[str, str] | None = None) -> str:
    """`INTAKE_LOG_FORMAT`: "text" (the default) or "json" (one object per line, for log
    shippers). Read from the environment alone: logging starts before the settings file is
    read, so that reading it can be logged."""
    value = (os.environ if env is None else env).get("INTAKE_LOG_FORMAT", "text").strip().lower()
    if value not in LOG_FORMATS:
        raise ConfigError(
            f"environment variable INTAKE_LOG_FORMAT: expected text or json, got {value!r}"
        )
    return value


def parse_host_port(value: str) -> tuple[str, int]:
    """`host:port` or `[v6]:port` into its parts, with a readable error."""
    host, sep, port = value.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"expected host:port, got {value!r}")
    return host.strip("[]"), int(port)


def parse_dns_server(value: str) -> tuple[str, int]:
    """`1.2.3.4`, `::1`, `1.2.3.4:5353` or `[::1]:5353` into an IP address and port."""
    try:
        return str(ipaddress.ip_address(value.strip())), 53
    except ValueError:
        host, port = parse_host_port(value)
        return str(ipaddress.ip_address(host)), port


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(_Section):
    url: str = "sqlite:///var/intake.db"


class SmtpSettings(_Section):
    listen: str = "127.0.0.1:8025"
    hostname: str = "intake.localhost"
    max_message_size: int = Field(default=25 * 1024 * 1024, gt=0)

    @field_validator("listen")
    @classmethod
    def _listen(cls, v: str) -> str:
        parse_host_port(v)
        return v

    @property
    def host_port(self) -> tuple[str, int]:
        return parse_host_port(self.listen)


class RelaySettings(_Section):
    """Outgoing mail. With no address, mail is written to `spool_dir` and logged instead."""

    address: str | None = None
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout_seconds: float = Field(default=30, gt=0)
    spool_dir: str = "var/outbox"

    @field_validator("address")
    @classmethod
    def _address(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        parse_host_port(v)
        return v

    @property
    def host_port(self) -> tuple[str, int] | None:
        return parse_host_port(self.address) if self.address else None


class BotSettings(_Section):
    org: str = str(PROJECT_ROOT / "fixtures" / "org.toml")
    templates: str = str(PROJECT_ROOT / "templates")
    case_prefix: str = Field(default="CASE", pattern=r"^[A-Z][A-Z0-9]{1,9}$")
    case_digits: int = Field(default=6, ge=3, le=12)
    from_name: str = "Intake"
    refusals_per_sender_per_day: int = Field(default=1, ge=0)
    # Answers (acknowledgements, requests for information, confirmations) to one outside
    # address; 0 = no limit. Staff who are vouched for have none (handlers/reply_budget.py).
    replies_per_address_per_hour: int = Field(default=5, ge=0)
    replies_per_address_per_day: int = Field(default=20, ge=0)
    # Acknowledgements ask the sender to check fields read with less confidence than this
    # (0 turns the check off; the extractor's confidences are in parsers/fields/resolver.py).
    confirm_below: float = Field(default=0.7, ge=0, le=1)


class WorkerSettings(_Section):
    poll_seconds: float = Field(default=0.5, gt=0)
    max_attempts: int = Field(default=3, ge=1)
    # Worker processes beside the listener (PostgreSQL only); 0: the worker is a thread of
    # the serve process. `intake serve --workers N` overrides it.
    processes: int = Field(default=0, ge=0, le=64)


class OutboxSettings(_Section):
    poll_seconds: float = Field(default=0.5, gt=0)
    max_attempts: int = Field(default=10, ge=1)
    backoff_first_seconds: float = Field(default=5, gt=0)
    backoff_max_seconds: float = Field(default=3600, gt=0)


class SlaSettings(_Section):
    # How often the sweep looks for clocks that fell due; a reminder is at most this late.
    sweep_seconds: float = Field(default=30, gt=0)
    batch: int = Field(default=500, ge=1)  # clocks claimed per transaction


class SlackSettings(_Section):
    """The Slack app. With no bot token Slack is off: nothing is queued for it and the HTTP
    endpoint is not started."""

    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None  # for Socket Mode
    api_url: str = "https://slack.com/api/"  # the Web API base (a proxy, or a test server)
    http_listen: str = "127.0.0.1:3000"  # events, commands and interactions at /slack/events
    poll_seconds: float = Field(default=0.5, gt=0)
    max_attempts: int = Field(default=10, ge=1)
    timeout_seconds: float = Field(default=10, gt=0)

    @field_validator("http_listen")
    @classmethod
    def _listen(cls, v: str) -> str:
        parse_host_port(v)
        return v

    @property
    def enabled(self) -> bool:
        return bool(self.bot_token)


class SalesforceSettings(_Section):
    """The Salesforce org cases are mirrored to (bot/salesforce_out.py), through a connected
    app's OAuth 2.0 client-credentials flow. Without all three of `instance_url`,
    `client_id` and `client_secret` Salesforce is off: nothing is queued for it."""

    instance_url: str | None = None  # https://yourcompany.my.salesforce.com
    client_id: str | None = None  # the connected app's consumer key
    client_secret: str | None = None  # and its consumer secret
    api_version: str = Field(default="62.0", pattern=r"^[0-9]{2,3}\.0$")
    poll_seconds: float = Field(default=1.0, gt=0)
    max_attempts: int = Field(default=10, ge=1)
    timeout_seconds: float = Field(default=20, gt=0)  # one HTTP request, connect and answer
    # REQUEST_LIMIT_EXCEEDED (the org's daily API calls are spent): nothing is sent for
    # this long, and no row counts it as a failed attempt.
    limit_pause_seconds: float = Field(default=900, gt=0)
    # A 429 or 5xx answer's Retry-After is honoured up to this far ahead (a header asking
    # for hours, or a wrong date, is not left to stop the sync that long).
    retry_after_max_seconds: float = Field(default=900, gt=0)

    @field_validator("instance_url")
    @classmethod
    def _https(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        if not v.strip().lower().startswith("https://"):
            raise ValueError(f"expected an https:// URL (Salesforce speaks only HTTPS), got {v!r}")
        return v.strip().rstrip("/")

    @model_validator(mode="after")
    def _all_or_none(self) -> SalesforceSettings:
        given = {
            "instance_url": self.instance_url,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        missing = [k for k, v in given.items() if not v]
        if 0 < len(missing) < len(given):
            raise ValueError(f"Salesforce needs {', '.join(missing)} too (or none of them)")
        return self

    @property
    def enabled(self) -> bool:
        return bool(self.instance_url and self.client_id and self.client_secret)


class ExtractionSettings(_Section):
    # An installed spaCy pipeline (package name or path) whose named entities may suggest
    # accounts and contacts the organisation file does not know; unset: the blank pipeline.
    spacy_model: str | None = None


class SenderSettings(_Section):
    """Who may claim to be whom. Staff rights (quote mailboxes, changing any case, commands)
    need the From address to be vouched for: by a connection from `trusted_networks` (the
    company's own submission servers), by an `Authentication-Results` header of the MTA in
    front (`authserv_id`), or by our own DKIM/SPF/DMARC check (`verify`)."""

    # Connections from here are the company's own submissions. Empty it when an MTA in front
    # relays outside mail to us on the same connection as the company's own.
    trusted_networks: list[str] = ["127.0.0.0/8", "::1/128"]
    # Trust Authentication-Results headers with this id (written by the MTA in front, which
    # removes any a sender forged with the same id); None: trust none.
    authserv_id: str | None = None
    verify: bool = True  # check DKIM, SPF and DMARC ourselves for mail from anywhere else
    dns_servers: list[str] = []  # host or host:port; empty: the system's resolver
    dns_timeout_seconds: float = Field(default=5, gt=0)

    @field_validator("trusted_networks")
    @classmethod
    def _networks(cls, v: list[str]) -> list[str]:
        for net in v:
            ipaddress.ip_network(net, strict=False)  # ValueError names the bad entry
        return v

    @field_validator("dns_servers")
    @classmethod
    def _servers(cls, v: list[str]) -> list[str]:
        for server in v:
            parse_dns_server(server)
        return v

    @property
    def dns(self) -> list[tuple[str, int]]:
        return [parse_dns_server(s) for s in self.dns_servers]

    @property
    def networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(ipaddress.ip_network(n, strict=False) for n in self.trusted_networks)


class Settings(_Section):
    database: DatabaseSettings = DatabaseSettings()
    smtp: SmtpSettings = SmtpSettings()
    relay: RelaySettings = RelaySettings()
    bot: BotSettings = BotSettings()
    worker: WorkerSettings = WorkerSettings()
    outbox: OutboxSettings = OutboxSettings()
    extraction: ExtractionSettings = ExtractionSettings()
    sla: SlaSettings = SlaSettings()
    slack: SlackSettings = SlackSettings()
    salesforce: SalesforceSettings = SalesforceSettings()
    senders: SenderSettings = SenderSettings()
    imap: ImapSettings = ImapSettings()  # mailboxes fetched over IMAP (bot/imap_settings.py)


def _merge_env(data: dict[str, Any], env: Mapping[str, str]) -> dict[str, str]:
    """Apply the environment overrides; returns key -> variable name, for error messages."""
    sources: dict[str, str] = {}
    for var, (section, key) in ENV_OVERRIDES.items():
        if var in env:
            data.setdefault(section, {})
            if not isinstance(data[section], dict):
                continue
            data[section][key] = env[var]
            sources[f"{section}.{key}"] = f"environment variable {var}"
    return sources


def load_settings(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Settings from defaults, the TOML file and the environment."""
    env = os.environ if env is None else env
    file: Path | None = Path(path) if path else None
    if file is None and DEFAULT_CONFIG_FILE.exists():
        file = DEFAULT_CONFIG_FILE
    data: dict[str, Any] = {}
    if file is not None:
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{file}: configuration file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{file}: not valid TOML: {exc}") from None
    sources = _merge_env(data, env)
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        where = sources.get(key) or (str(file) if file else "built-in defaults")
        msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        raise ConfigError(f"{where}: {key}: {msg}") from None
