"""The admin's config file: schema, loading and cross-checks.

Everything a deployment decides lives here and is validated before the bot starts,
so a broken file never starts the bot half-way.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import time
from functools import cached_property
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
)

from bot.core.bookings.spec import ResourceList, resource_references
from bot.core.digest_schedule import parse_digest_schedule
from bot.core.festivals import FestivalList
from bot.core.understanding import CatalogueAddition
from bot.core.volunteers.settings import VolunteersSection, volunteer_problems

Language = Literal["zh", "en", "zh+en"]
MatchScope = Literal["building", "community"]
# How a giver's item is allocated when several neighbours ask (bot/core/sharing/allocation.py).
AllocationMode = Literal["first_come", "giver_chooses", "lottery"]
KEY_PATTERN = r"^[A-Za-z0-9_\-]+$"
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _parse_hhmm(value: str) -> time:
    match = _HHMM.match(value.strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"'{value}' is not a time of day like 07:30")
    return time(int(match[1]), int(match[2]))


class QuietHoursSpec(StrictModel):
    """No group post is made between start and end (local time); may wrap midnight."""

    start: str = "22:00"
    end: str = "07:30"

    @field_validator("start", "end")
    @classmethod
    def _valid_time(cls, value: str) -> str:
        _parse_hhmm(value)
        return value

    @property
    def start_time(self) -> time:
        return _parse_hhmm(self.start)

    @property
    def end_time(self) -> time:
        return _parse_hhmm(self.end)


class BotSection(StrictModel):
    language: Language = "zh"
    timezone: str = "Asia/Shanghai"
    database: str = "jinlin.sqlite3"
    emergency_number: str = "120"
    match_scope: MatchScope = "building"
    expiry_days: int = Field(7, ge=1, le=365)
    nudge_hours_before_expiry: int = Field(24, ge=1, le=24 * 30)
    ack: Literal["reply", "reaction"] = "reply"
    # A reminder whose time passed while the bot was down is still posted within this window.
    reminder_grace_hours: int = Field(6, ge=0, le=24 * 7)
    # Closed ledger entries, matches and resolved reports are purged after this many days.
    retention_days: int = Field(180, ge=1, le=3650)
    quiet_hours: QuietHoursSpec | None = QuietHoursSpec()
    admins: list[int | str] = []
    # Keyword alerts (/alert) end after this many days unless the resident renews them.
    alert_days: int = Field(30, ge=1, le=365)
    # Open offers/requests digest posted in each group: "off", "daily 20:00", "weekly sun 20:00".
    digest: str = "off"
    # Show a giver's public @username in the private introduction. Off: residents talk
    # through the bot (relayed chat), so nobody's account is revealed.
    show_usernames: bool = False
    # An agreed hand-over not confirmed after this many hours: both sides are asked whether
    # it happened; still unconfirmed `handover_release_hours` later, the item goes to the next
    # neighbour in line.
    handover_check_hours: int = Field(48, ge=1, le=24 * 60)
    handover_release_hours: int = Field(24, ge=1, le=24 * 60)
    # The understanding model: None for the one shipped with Jinlin, or a file written by
    # `jinlin train --with-corrections --output FILE` after its figures were checked.
    model_file: str | None = None
    # A no-show can be reported this long after the hand-over was agreed, not at once: a
    # neighbour needs time to come by (0: at once).
    no_show_after_hours: int = Field(2, ge=0, le=24 * 60)

    @field_validator("quiet_hours", mode="before")
    @classmethod
    def _quiet_hours_off(cls, value: Any) -> Any:
        # Leaving the table out keeps the defaults: "off" is how an admin says none.
        return None if value == "off" else value

    @field_validator("digest")
    @classmethod
    def _valid_digest(cls, value: str) -> str:
        parse_digest_schedule(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone '{value}' (use a name like Asia/Shanghai)"
            ) from None
        return value

    @field_validator("admins")
    @classmethod
    def _valid_people(cls, value: list[int | str]) -> list[int | str]:
        return [_person(v) for v in value]


_PROXY_URL = re.compile(r"^(socks5h?|socks4|http)://[^\s/]+:\d{1,5}/?$")


class TelegramSection(StrictModel):
    token: SecretStr | None = None
    # A self-hosted Bot API server, e.g. "http://127.0.0.1:8081/bot".
    base_url: str | None = None
    base_file_url: str | None = None
    # Reach Telegram through a proxy: "socks5://user:pass@host:1080" (also socks5h, socks4)
    # or "http://host:3128". Prefer JINLIN_PROXY when it holds a password (wins).
    proxy: SecretStr | None = None
    poll_timeout: int = Field(30, ge=0, le=60)

    @field_validator("proxy")
    @classmethod
    def _proxy_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _PROXY_URL.match(value.get_secret_value()):
            raise ValueError(
                'must be a proxy URL such as "socks5://127.0.0.1:1080" or "http://proxy:3128" '
                "(socks5, socks5h, socks4 or http)"
            )
        return value

    def proxy_url(self) -> str | None:
        """The proxy to reach Telegram through: JINLIN_PROXY wins over the file."""
        env = secret_from_env("JINLIN_PROXY")
        if env:
            return env
        return self.proxy.get_secret_value() if self.proxy is not None else None

    # Bot API sends from a child process, on another core (SQLite deployments). Off by
    # default: one bot token sends ~30 messages a second, which one process keeps up with.
    sender_process: bool = False


class StorageSection(StrictModel):
    """Where the ledger lives: an embedded SQLite file (default) or a shared PostgreSQL."""

    backend: Literal["sqlite", "postgresql"] = "sqlite"
    # sqlite only. "normal": a crashed process loses no commit, a power cut may lose the last
    # ones. "full": an fsync per commit, so a power cut loses nothing acknowledged either.
    synchronous: Literal["normal", "full"] = "normal"
    # postgresql only. The URL may carry a password: prefer JINLIN_DATABASE_URL (wins).
    url: SecretStr | None = None

    @field_validator("url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(
            ("postgresql://", "postgres://")
        ):
            raise ValueError("must start with postgresql:// (e.g. postgresql://jinlin@db/jinlin)")
        return value


# Telegram's rule for setWebhook's secret_token: 1-256 characters of A-Z, a-z, 0-9, _ and -.
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_\-]{1,256}$")
WEBHOOK_SECRET_RULE = "1-256 characters, only A-Z a-z 0-9 _ - (Telegram's rule)"


class WebhookSection(StrictModel):
    """`jinlin run --webhook`: Telegram POSTs updates to `url`; a reverse proxy forwards them.

    The proxy (nginx) terminates HTTPS at `url` and passes the requests on to
    `listen`:`port` `path`, where Jinlin stores each update before answering 200.
    """

    # The public HTTPS address given to setWebhook (Telegram accepts ports 443, 80, 88, 8443).
    url: str
    listen: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    # The local path the proxy forwards to (default: the path of `url`).
    path: str | None = None
    # Sent back by Telegram in X-Telegram-Bot-Api-Secret-Token. Prefer JINLIN_WEBHOOK_SECRET (wins).
    secret_token: SecretStr | None = None
    # Simultaneous connections Telegram may open to deliver updates (Telegram's range).
    max_connections: int = Field(40, ge=1, le=100)
    # A worker that dies holding updates gives them up to the others after this long.
    lease_seconds: int = Field(30, ge=1, le=3600)

    @field_validator("url")
    @classmethod
    def _https(cls, value: str) -> str:
        if not re.fullmatch(r"https://[^/\s?#]+(/[^\s]*)?", value):
            raise ValueError("must be the public https:// address Telegram posts to")
        return value

    @field_validator("path")
    @classmethod
    def _absolute(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("/"):
            raise ValueError("must start with / (e.g. /telegram/webhook)")
        return value

    @field_validator("secret_token")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET.match(value.get_secret_value()):
            raise ValueError(f"must be {WEBHOOK_SECRET_RULE}")
        return value

    @property
    def local_path(self) -> str:
        """The path this process answers on."""
        if self.path is not None:
            return self.path
        rest = self.url.removeprefix("https://").partition("/")[2]
        return "/" + rest.split("?")[0]

    def secret(self) -> str:
        """The secret token: JINLIN_WEBHOOK_SECRET wins over the file, as JINLIN_TOKEN does."""
        env = secret_from_env("JINLIN_WEBHOOK_SECRET")
        if env:
            if not _WEBHOOK_SECRET.match(env):
                raise ConfigError(
                    [Problem("JINLIN_WEBHOOK_SECRET", f"must be {WEBHOOK_SECRET_RULE}")]
                )
            return env
        if self.secret_token is not None:
            return self.secret_token.get_secret_value()
        raise ConfigError(
            [
                Problem(
                    "webhook.secret_token",
                    "set JINLIN_WEBHOOK_SECRET or webhook.secret_token, so forged updates "
                    "are refused",
                )
            ]
        )


class CommunitySpec(StrictModel):
    key: str = Field(pattern=KEY_PATTERN)
    name: str
    match_scope: MatchScope | None = None


class BuildingSpec(StrictModel):
    key: str = Field(pattern=KEY_PATTERN)
    name: str
    community: str
    captains: list[int | str] = []

    @field_validator("captains")
    @classmethod
    def _valid_people(cls, value: list[int | str]) -> list[int | str]:
        return [_person(v) for v in value]


class GroupSpec(StrictModel):
    """A Telegram group chat and what it serves: one building, or a whole community."""

    chat_id: int
    title: str = ""
    building: str | None = None
    community: str | None = None
    language: Language | None = None
    # Overrides bot.digest for this group.
    digest: str | None = None
    # Forum supergroups: the sharing topic's message_thread_id. Jinlin then reads only that
    # topic and posts digests, reminders and nudges there (None: every topic; posts go to
    # the general topic).
    topic: int | None = Field(None, ge=1)
    # Overrides allocation.mode for offers posted in this group.
    allocation: AllocationMode | None = None

    @field_validator("digest")
    @classmethod
    def _valid_digest(cls, value: str | None) -> str | None:
        if value is not None:
            parse_digest_schedule(value)
        return value


class AllocationSection(StrictModel):
    """How a giver's item is allocated when several neighbours ask for it."""

    # first_come: the first to ask is asked first. giver_chooses: requests collect for
    # window_hours, then the giver picks one. lottery: drawn by lot at the window's end.
    # Urgent and medicine requests are always first come.
    mode: AllocationMode = "first_come"
    window_hours: int = Field(12, ge=1, le=24 * 14)
    # Per catalogue category (e.g. baby_items = "lottery"); wins over the group's and the default.
    categories: dict[str, AllocationMode] = {}


class LimitsSection(StrictModel):
    """How much one resident can make the bot do; reaching a bound earns a polite word."""

    items_per_message: int = Field(5, ge=1, le=50)
    open_entries_per_resident: int = Field(30, ge=1, le=10_000)
    # Urgent acknowledgements and captain alerts skip the group posting budget: bounded here.
    urgent_per_resident_per_day: int = Field(3, ge=1, le=100)
    reports_per_resident_per_day: int = Field(5, ge=1, le=100)
    # Emergencies are answered at once, but one resident cannot turn the group and the
    # captains' phones into a siren: past this many a day they are only logged.
    emergencies_per_resident_per_day: int = Field(5, ge=1, le=100)


class LoggingSection(StrictModel):
    """How `jinlin run` writes its log (to stderr: journald or `docker logs` keep it)."""

    # "json": one object per line, for log collectors; "text": for people.
    format: Literal["text", "json"] = "text"


class MonitoringSection(StrictModel):
    """`/healthz` and Prometheus `/metrics` over HTTP, in polling and webhook mode alike."""

    # Off unless a port is set (0: any free port, said in the log).
    port: int | None = Field(None, ge=0, le=65535)
    # Loopback by default: the numbers are for the operator, not for the internet.
    listen: str = "127.0.0.1"


class CivicSection(StrictModel):
    """Good-neighbour awards and building deliberations (issue 17)."""

    # Nominations are counted, and good neighbours named, per month or per year.
    award_period: Literal["month", "year"] = "month"
    # "off": a captain posts the results (/awards announce 2026-11). "scheduled": the
    # previous period's good neighbours who agreed are posted on the first day of the next
    # period (each January for yearly awards) from announce_time, local time.
    announce: Literal["off", "scheduled"] = "off"
    announce_time: str = "10:00"
    # The longest a captain's question may stay open.
    deliberation_max_days: int = Field(30, ge=1, le=365)
    # How many neighbours one resident may nominate in a period: each is a card for every
    # captain of the building, so one resident cannot flood them.
    nominations_per_period: int = Field(3, ge=1, le=100)

    @field_validator("announce_time")
    @classmethod
    def _valid_time(cls, value: str) -> str:
        _parse_hhmm(value)
        return value

    @property
    def announce_at(self) -> time:
        return _parse_hhmm(self.announce_time)


class CatalogueSection(StrictModel):
    items: list[CatalogueAddition] = []


class Config(StrictModel):
    bot: BotSection = BotSection()
    telegram: TelegramSection = TelegramSection()
    storage: StorageSection = StorageSection()
    # Only `jinlin run --webhook` reads it; long polling needs no section.
    webhook: WebhookSection | None = None
    communities: list[CommunitySpec] = []
    buildings: list[BuildingSpec] = []
    groups: list[GroupSpec] = []
    catalogue: CatalogueSection = CatalogueSection()
    festivals: FestivalList = []
    allocation: AllocationSection = AllocationSection()
    limits: LimitsSection = LimitsSection()
    logging: LoggingSection = LoggingSection()
    monitoring: MonitoringSection = MonitoringSection()
    # Shared spaces and things residents book or borrow (bot/core/bookings/spec.py).
    resources: ResourceList = []
    civic: CivicSection = CivicSection()
    volunteers: VolunteersSection = VolunteersSection()
    # Captains an admin added from Telegram (the database's, not the file's), by building.
    # They are merged into `buildings[].captains`, so every lookup sees them; kept apart here
    # so the next merge replaces them and /captains can tell where each captain comes from.
    _added_captains: dict[str, tuple[int, ...]] = PrivateAttr(default_factory=dict)

    # --- captains added from Telegram -----------------------------------------------------

    def with_added_captains(self, added: Mapping[str, Iterable[int]]) -> Config:
        """This config with the database's captains merged in, replacing the last merge.

        Someone the file already names stays the file's captain. Returns self when nothing
        changes, so a worker re-reading the database each tick keeps the same object.
        """
        before = self._added_captains
        merged: dict[str, tuple[int, ...]] = {}
        buildings: list[BuildingSpec] = []
        for spec in self.buildings:
            earlier = before.get(spec.key, ())
            own = [p for p in spec.captains if not (isinstance(p, int) and p in earlier)]
            extra = tuple(uid for uid in dict.fromkeys(added.get(spec.key, ())) if uid not in own)
            if extra:
                merged[spec.key] = extra
            captains = [*own, *extra]
            same = captains == list(spec.captains)
            buildings.append(spec if same else spec.model_copy(update={"captains": captains}))
        if merged == before:
            return self
        return self.rebuilt(buildings=buildings, added_captains=merged)

    def added_captain(self, building: str, user_id: int) -> bool:
        """Was this captain added from Telegram (not named in the config file)?"""
        return user_id in self._added_captains.get(building, ())

    def rebuilt(
        self, *, added_captains: dict[str, tuple[int, ...]] | None = None, **changes: Any
    ) -> Config:
        """A new config with some sections replaced, its indexes computed afresh (model_copy
        would keep the cached ones), still carrying the captains added from Telegram."""
        values = {name: getattr(self, name) for name in Config.model_fields}
        values.update(changes)
        config = Config(**values)
        config._added_captains = self._added_captains if added_captains is None else added_captains
        return config

    # --- questions the app asks of its config -------------------------------------------

    def group(self, chat_id: int) -> GroupSpec | None:
        """The configured group with this chat id, if any."""
        return self._groups_by_chat.get(chat_id)

    @cached_property
    def _groups_by_chat(self) -> dict[int, GroupSpec]:
        # Looked up on every update; the model is frozen, so the index never goes stale.
        return {g.chat_id: g for g in self.groups}

    def building(self, key: str | None) -> BuildingSpec | None:
        return self._buildings_by_key.get(key) if key is not None else None

    @cached_property
    def _buildings_by_key(self) -> dict[str, BuildingSpec]:
        # Several lookups per offer or request over hundreds of buildings; frozen, never stale.
        # The first of a duplicated key wins, as a scan would (cross_check reports duplicates).
        return {b.key: b for b in reversed(self.buildings)}

    @cached_property
    def _communities_by_key(self) -> dict[str, CommunitySpec]:
        return {c.key: c for c in reversed(self.communities)}

    def community_of_group(self, group: GroupSpec) -> str | None:
        if group.community:
            return group.community
        building = self.building(group.building)
        return building.community if building else None

    def group_topic(self, chat_id: int) -> int | None:
        """The forum topic group-level posts go to (None: the general topic)."""
        group = self.group(chat_id)
        return group.topic if group else None

    def group_language(self, chat_id: int) -> Language:
        group = self.group(chat_id)
        return (group.language if group and group.language else None) or self.bot.language

    def scope_for(self, community: str | None) -> MatchScope:
        spec = self._communities_by_key.get(community) if community is not None else None
        return (spec.match_scope if spec and spec.match_scope else None) or self.bot.match_scope

    def captains_of(self, building: str | None) -> list[int | str]:
        spec = self.building(building)
        return list(spec.captains) if spec else []

    def is_captain(self, user_id: int, username: str | None, building: str | None = None) -> bool:
        """Is this user a captain (of `building`, or of any building when None)?"""
        specs = [b for b in self.buildings if building is None or b.key == building]
        return any(_same_person(p, user_id, username) for b in specs for p in b.captains)

    def captain_buildings(self, user_id: int, username: str | None) -> list[str]:
        return [
            b.key
            for b in self.buildings
            if any(_same_person(p, user_id, username) for p in b.captains)
        ]

    def is_admin(self, user_id: int, username: str | None) -> bool:
        return any(_same_person(p, user_id, username) for p in self.bot.admins)

    def database(self) -> str:
        """The database to open: the SQLite file, or the PostgreSQL URL.

        JINLIN_DATABASE_URL wins over the file (it keeps the password out of it), as
        JINLIN_TOKEN does for the token.
        """
        if self.storage.backend == "sqlite":
            return self.bot.database
        env = secret_from_env("JINLIN_DATABASE_URL")
        if env:
            return env
        if self.storage.url is not None:
            return self.storage.url.get_secret_value()
        raise ConfigError(
            [
                Problem(
                    "storage.url",
                    "storage.backend is postgresql: set storage.url or JINLIN_DATABASE_URL",
                )
            ]
        )

    def token(self) -> str | None:
        """The bot token: JINLIN_TOKEN wins over the file, so the file can be shared."""
        env = secret_from_env("JINLIN_TOKEN")
        if env:
            return env
        if self.telegram.token and self.telegram.token.get_secret_value().strip():
            return self.telegram.token.get_secret_value().strip()
        return None


def secret_from_env(name: str) -> str:
    """A secret given to the process, "" if none: the variable itself, a file it names
    (`NAME_FILE`, as Docker secrets are mounted), or a systemd credential (LoadCredential=,
    its id the name without JINLIN_, lower-case: token, database_url, webhook_secret, proxy)."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    named = os.environ.get(f"{name}_FILE", "").strip()
    if named:
        return _read_secret(f"{name}_FILE", Path(named))
    directory = os.environ.get("CREDENTIALS_DIRECTORY", "").strip()
    if directory:
        path = Path(directory) / name.removeprefix("JINLIN_").lower()
        if path.exists():  # a unit passes only the credentials it has
            return _read_secret(name, path)
    return ""


def _read_secret(source: str, path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError([Problem(source, f"cannot read {path}: {exc.strerror}")]) from None


def _person(value: int | str) -> int | str:
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        value = int(value.strip())
    if isinstance(value, int):
        if value <= 0:
            # A negative number is a group's chat id, 0 nobody: both are a slip.
            raise ValueError(
                f"{value} is not a Telegram user id (user ids are positive; send /id to the "
                "bot privately to learn yours)"
            )
        return value
    text = value.strip()
    if not re.fullmatch(r"@?[A-Za-z][A-Za-z0-9_]{3,31}", text):
        raise ValueError(f"'{value}' is neither a Telegram user id nor a @username")
    return "@" + text.lstrip("@").lower()


def _same_person(spec: int | str, user_id: int, username: str | None) -> bool:
    if isinstance(spec, int):
        return spec == user_id
    return bool(username) and spec == "@" + (username or "").lower()


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) in the config, with its key path."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ConfigError(Exception):
    """The config file cannot be used; `problems` says every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _loc_to_path(loc: Iterable[Any]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return path


def _friendly(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown key (check the spelling against config.example.toml)"
    if kind == "missing":
        return "this key is required"
    value = error.get("input")
    if kind == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
        # TOML reads `emergency_number = 120` as a number; the key wants text.
        key = next((p for p in reversed(error.get("loc", ())) if isinstance(p, str)), "key")
        return f'must be text: put the value in quotes ({key} = "{value}")'
    message = str(error.get("msg", "invalid value"))
    return message.removeprefix("Value error, ")


# Keys whose value may take several shapes, with the sentence that names them all, and how
# many list positions sit between the key and the shape pydantic tried (its "union tag").
# Pydantic reports one error per shape ("targets.all: Input should be 'all'", then one per
# other shape); an admin needs one sentence saying what fits.
_UNION_KEYS: dict[str, tuple[int, str]] = {
    "targets": (0, 'must be "all", or {communities = ["key", …]}, or {buildings = ["key", …]}'),
    "captains": (1, 'must be a Telegram user id (a positive number) or a "@username"'),
    "admins": (1, 'must be a Telegram user id (a positive number) or a "@username"'),
}


def _schema_problems(errors: list[dict[str, Any]]) -> list[Problem]:
    """Pydantic's errors as problems, each union's errors folded into one sentence."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for error in errors:
        loc = tuple(error["loc"])
        union = _union_path(loc)
        if union is not None and error.get("type") != "value_error":
            path = _loc_to_path(loc[: union[0]])
            if path not in seen:
                seen.add(path)
                problems.append(Problem(path, union[1]))
            continue
        problems.append(Problem(_loc_to_path(loc), _friendly(error)))
    return problems


def _union_path(loc: tuple[Any, ...]) -> tuple[int, str] | None:
    """(length of the union key's path, its sentence) when `loc` runs through a union tag."""
    for i, part in enumerate(loc):
        if isinstance(part, str) and part in _UNION_KEYS:
            skip, sentence = _UNION_KEYS[part]
            end = i + 1 + skip
            if len(loc) > end:  # a shape's tag follows: the error is about one alternative
                return end, sentence
    return None


def parse_config(data: dict[str, Any]) -> Config:
    """Validate a parsed TOML document; raise ConfigError listing every problem."""
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems = _schema_problems([dict(e) for e in exc.errors()])
        raise ConfigError(problems + _references_despite(data, problems)) from None
    problems = cross_check(config)
    if problems:
        raise ConfigError(problems)
    return config


def _references_despite(data: dict[str, Any], schema: list[Problem]) -> list[Problem]:
    """Cross-references and duplicates, read from the raw file next to its schema errors.

    So an admin with a mistyped time zone, a duplicated chat id *and* a group naming an
    unknown building hears of all of them at once, instead of fixing one to find the next.
    A value with a schema error of its own is not checked again.
    """
    broken = [p.path for p in schema]
    found = _references(data)
    catalogue_data = {k: data[k] for k in ("catalogue", "allocation") if k in data}
    with suppress(ValidationError):  # its schema errors are reported already
        found += _catalogue_problems(Config.model_validate(catalogue_data))
    return [
        p
        for p in found
        if not any(p.path == b or p.path.startswith((b + ".", b + "[")) for b in broken)
    ]


def load_config(path: str | Path) -> Config:
    """Read and validate a config file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError([Problem("", f"cannot read {path}: {exc.strerror or exc}")]) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError([Problem("", f"{path} is not UTF-8 text")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([Problem("", f"{path} is not valid TOML: {exc}")]) from None
    return parse_config(data)


def cross_check(config: Config) -> list[Problem]:
    """Problems no single key shows: references between sections, duplicates."""
    places = ([b.key for b in config.buildings], [c.key for c in config.communities])
    volunteers = [Problem(p, m) for p, m in volunteer_problems(config.volunteers, *places)]
    return _references(config.model_dump()) + _catalogue_problems(config) + volunteers


def _tables(data: dict[str, Any], name: str) -> list[tuple[int, dict[str, Any]]]:
    value = data.get(name)
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _references(data: dict[str, Any]) -> list[Problem]:
    """References and duplicates, on plain data: a valid config's dump or the raw file."""
    problems: list[Problem] = []
    community_keys = [c.get("key") for _, c in _tables(data, "communities")]
    building_keys = [b.get("key") for _, b in _tables(data, "buildings")]
    for name, keys in (("communities", community_keys), ("buildings", building_keys)):
        for i, key in enumerate(keys):
            if isinstance(key, str) and key in keys[:i]:
                problems.append(Problem(f"{name}[{i}].key", f"'{key}' is used twice"))
    known = ", ".join(k for k in community_keys if isinstance(k, str)) or "none"
    for i, building in _tables(data, "buildings"):
        community = building.get("community")
        if isinstance(community, str) and community not in community_keys:
            problems.append(
                Problem(
                    f"buildings[{i}].community", f"unknown community '{community}' (known: {known})"
                )
            )
    chat_ids: list[int] = []
    for i, group in _tables(data, "groups"):
        chat_id = group.get("chat_id")
        if isinstance(chat_id, int):
            if chat_id in chat_ids:
                problems.append(Problem(f"groups[{i}].chat_id", f"{chat_id} is listed twice"))
            chat_ids.append(chat_id)
            if chat_id > 0:
                problems.append(
                    Problem(
                        f"groups[{i}].chat_id",
                        "group chat ids are negative (e.g. -1001234567890; /id in the group "
                        "tells it)",
                    )
                )
        serves, whole = group.get("building"), group.get("community")
        if (serves is None) == (whole is None):
            problems.append(Problem(f"groups[{i}]", "set exactly one of 'building' or 'community'"))
        if isinstance(serves, str) and serves not in building_keys:
            problems.append(Problem(f"groups[{i}].building", f"unknown building '{serves}'"))
        if isinstance(whole, str) and whole not in community_keys:
            problems.append(Problem(f"groups[{i}].community", f"unknown community '{whole}'"))
    for i, festival in _tables(data, "festivals"):
        targets = festival.get("targets")
        if not isinstance(targets, dict):
            continue
        for kind, known_keys in (("communities", community_keys), ("buildings", building_keys)):
            listed = targets.get(kind)
            for j, key in enumerate(listed if isinstance(listed, list) else []):
                if isinstance(key, str) and key not in known_keys:
                    problems.append(
                        Problem(
                            f"festivals[{i}].targets.{kind}[{j}]", f"unknown {kind[:-1]} '{key}'"
                        )
                    )
    resources = [r for _, r in _tables(data, "resources")]
    for path, message in resource_references(resources, community_keys, building_keys):
        problems.append(Problem(path, message))
    return problems


def _catalogue_problems(config: Config) -> list[Problem]:
    """The catalogue additions load, and allocation names only categories that exist."""
    from bot.core.understanding import Catalogue

    try:
        catalogue = Catalogue.load(config.catalogue.items)
    except ValueError as exc:
        return [Problem("catalogue.items", str(exc))]
    return [
        Problem(f"allocation.categories.{key}", f"unknown catalogue category '{key}'")
        for key in config.allocation.categories
        if key not in catalogue
    ]


def warnings_for(config: Config) -> list[Problem]:
    """Things that work but an admin should know."""
    warnings: list[Problem] = []
    for i, building in enumerate(config.buildings):
        for j, person in enumerate(building.captains):
            if isinstance(person, str):
                warnings.append(
                    Problem(
                        f"buildings[{i}].captains[{j}]",
                        f"{person} is a username: it works once they write to the bot, but "
                        "usernames can change; prefer the numeric user id",
                    )
                )
        if not building.captains:
            warnings.append(Problem(f"buildings[{i}].captains", "this building has no captain"))
    for j, person in enumerate(config.bot.admins):
        if isinstance(person, str):
            warnings.append(
                Problem(f"bot.admins[{j}]", f"{person} is a username; prefer the numeric user id")
            )
    if not config.groups:
        warnings.append(
            Problem("groups", "no group is configured: the bot will ignore every group")
        )
    return warnings


def admin_ids(config: Config) -> list[int]:
    """Admins the bot can write to (numeric ids; usernames are warned about)."""
    return [a for a in config.bot.admins if isinstance(a, int)]
