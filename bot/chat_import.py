"""Onboarding an existing group: rebuild its open offers and requests from a chat export.

`jinlin import result.json --group -100…` reads a Telegram Desktop export (JSON), runs every
message through the same parser as live messages, and records the entries still open as
their real authors. Rules, so an admin can predict the result:

- Too old: an entry whose message is older than `bot.expiry_days` before now is skipped
  (it would have expired had the bot been there).
- Closed: a message that reads as closed ("已送出", "送出了", "given away", "不用了，买到了",
  "找到了"… — the parser's `closed` tag) written by the author of a message it replies to,
  directly or through a chain of replies, closes that message's entries and those of the
  replies in between (the "我有" reply-offer that served a request closes with it). A closing
  message that is not a reply closes its author's latest earlier entry of the item it names
  ("婴儿车已送出，谢谢大家").
- Senders: only people (`from_id` "user123…"); channels and anonymous admins are counted as
  unknown senders; the bot's own messages (its id from the token, or `--bot-id`) are skipped.
- Bad messages (an id, sender id or date no Telegram export has, a malformed entry) are
  skipped and counted, as are messages dated more than a day after now; the rest imports.
- Quiet: no message is sent. Imported entries are matched like any other open entry when the
  next offer or request arrives; they are not introduced to each other, since their authors
  already saw each other's messages in the group.
- Idempotent: every imported (chat, message id) is remembered, and messages the live bot
  already recorded are skipped, so importing the same file twice adds nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import sqlite3
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import asyncpg
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.clock import SystemClock
from bot.config import Config, ConfigError, GroupSpec, load_config
from bot.ledger_entries import entry_for
from bot.redaction import redact_log_line
from bot.understanding import Catalogue, Parsed, understand
from storage.records import UserRecord
from storage.repository import Repository, Tx

logger = logging.getLogger(__name__)

_USER_ID = re.compile(r"^user(\d{1,20})$")
# Telegram's ids have at most 52 significant bits; anything larger is not from Telegram and
# would not fit the database's 64-bit integers either.
MAX_ID = 2**52
# A message dated later than this after now is not a real post (a clock or an edited file):
# importing it would list an entry that never expires.
FUTURE_SLACK = timedelta(days=1)


class ImportFailure(Exception):
    """The import cannot go ahead; `exit_code` 1 = unreadable export, 2 = wrong group/config."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


class TextPiece(BaseModel):
    """One piece of a formatted message: {"type": "bold", "text": "…"}."""

    model_config = ConfigDict(extra="ignore")

    type: str = "plain"
    text: str = ""


class ExportMessage(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: int = Field(ge=1, le=MAX_ID)
    type: str = "message"
    date: str = ""
    date_unixtime: str | None = None
    sender: str | None = Field(None, alias="from")
    from_id: str | None = None
    text: str | list[str | TextPiece] = ""
    reply_to_message_id: int | None = Field(None, ge=1, le=MAX_ID)
    photo: str | None = None


class ChatExport(BaseModel):
    """A Telegram Desktop single-chat export (result.json)."""

    model_config = ConfigDict(extra="ignore")

    name: str = ""
    type: str = ""
    id: int | None = None
    # Each message is checked on its own: a bad one is skipped and counted, not fatal.
    messages: list[object]


@dataclass
class ImportSummary:
    """What an import did, for the admin."""

    messages: int = 0
    offers: int = 0
    requests: int = 0
    too_old: int = 0
    closed: int = 0
    unknown_senders: int = 0
    already_imported: int = 0
    from_bot: int = 0
    prescription: int = 0
    bad: int = 0
    future: int = 0

    def lines(self) -> list[str]:
        return [
            f"messages read:            {self.messages}",
            f"offers imported:          {self.offers}",
            f"requests imported:        {self.requests}",
            f"skipped as too old:       {self.too_old}",
            f"skipped as closed:        {self.closed}",
            f"unknown senders:          {self.unknown_senders}",
            f"already imported:         {self.already_imported}",
            f"the bot's own messages:   {self.from_bot}",
            f"prescription-only items:  {self.prescription} (never listed)",
            f"bad messages skipped:     {self.bad}",
            f"dated in the future:      {self.future}",
        ]


def plain_text(text: str | list[str | TextPiece]) -> str:
    """The message text without formatting: strings and entity pieces joined."""
    if isinstance(text, str):
        return text
    return "".join(p if isinstance(p, str) else p.text for p in text)


def read_export(path: str | Path) -> ChatExport:
    """Read and check a result.json; raises ImportFailure with a reason an admin understands."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ImportFailure(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ImportFailure(f"{path} is a folder; give the result.json inside it") from None
    except OSError as exc:
        raise ImportFailure(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ImportFailure(f"{path} is not UTF-8 text (expected a JSON chat export)") from None
    except RecursionError:
        raise ImportFailure(f"{path} is nested too deeply to be a Telegram chat export") from None
    except json.JSONDecodeError as exc:
        raise ImportFailure(
            f"{path} is not JSON (line {exc.lineno}, column {exc.colno}): in Telegram Desktop "
            "choose Export chat history, format 'Machine-readable JSON'"
        ) from None
    if isinstance(data, dict) and "chats" in data and "messages" not in data:
        raise ImportFailure(
            f"{path} is a whole-account export; export just the group's chat history"
        )
    if not isinstance(data, dict) or "messages" not in data:
        raise ImportFailure(f"{path} is not a Telegram chat export (no 'messages' list)")
    try:
        return ChatExport.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ImportFailure(
            f"{path} is not a Telegram chat export: {where}: {first['msg']}"
        ) from None


def export_is_of_group(export_id: int | None, chat_id: int) -> bool:
    """Exports give a supergroup -1001234567890 as 1234567890 and a basic group -123 as 123."""
    if export_id is None:
        return True
    digits = str(abs(chat_id))
    return digits in (str(export_id), f"100{export_id}")


@dataclass(frozen=True)
class _Message:
    id: int
    author: int | None
    name: str
    text: str
    when: datetime
    reply_to: int | None


class _BadMessage(Exception):
    """One message of the export cannot be read; it is skipped and counted."""


def _when(message: ExportMessage, zone: str) -> datetime:
    try:
        if message.date_unixtime and message.date_unixtime.isdigit():
            return datetime.fromtimestamp(int(message.date_unixtime), UTC)
        local = datetime.fromisoformat(message.date)
        if local.tzinfo is None:
            # Telegram Desktop writes local wall-clock time without a zone.
            local = local.replace(tzinfo=ZoneInfo(zone))
        return local.astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        raise _BadMessage(f"message {message.id}: unreadable date {message.date!r}") from None


def _export_message(raw: object) -> ExportMessage:
    try:
        message = ExportMessage.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise _BadMessage(f"a message is unreadable: {where}: {first['msg']}") from None
    return message


class ChatImport:
    """One import of one export into one configured group."""

    def __init__(self, config: Config, catalogue: Catalogue, *, bot_id: int | None = None) -> None:
        self.config = config
        self.catalogue = catalogue
        self.bot_id = bot_id

    def group_for(self, export: ChatExport, chat_id: int) -> GroupSpec:
        group = self.config.group(chat_id)
        if group is None:
            known = ", ".join(str(g.chat_id) for g in self.config.groups) or "none"
            raise ImportFailure(
                f"group {chat_id} is not in the config (configured groups: {known})", 2
            )
        if not export_is_of_group(export.id, chat_id):
            raise ImportFailure(
                f"the export is of chat {export.id} ({export.name!r}), not of group {chat_id}", 2
            )
        return group

    async def run(
        self, repo: Repository, export: ChatExport, chat_id: int, now: datetime
    ) -> ImportSummary:
        """Import in one transaction: all of it, or (on any error) nothing."""
        group = self.group_for(export, chat_id)
        summary = ImportSummary()
        messages = self._messages(export, summary, now)
        parsed = self._parse(messages)
        closed = self._closed_messages(messages, parsed)
        oldest = now - timedelta(days=self.config.bot.expiry_days)
        async with repo.transaction() as tx:
            for message in messages.values():
                found = parsed.get(message.id)
                if found is None or found.intent == "none" or not found.items:
                    continue
                if message.author is None:
                    continue
                if message.when <= oldest:
                    summary.too_old += 1
                elif message.id in closed:
                    summary.closed += 1
                elif await tx.was_imported(chat_id, message.id):
                    summary.already_imported += 1
                else:
                    await self._record(tx, group, message, found, summary, now)
        logger.info("import into %s: %s", chat_id, summary)
        return summary

    # --- reading ----------------------------------------------------------------------

    def _messages(
        self, export: ChatExport, summary: ImportSummary, now: datetime
    ) -> dict[int, _Message]:
        messages: dict[int, _Message] = {}
        readable: list[ExportMessage] = []
        for raw in export.messages:
            try:
                readable.append(_export_message(raw))
            except _BadMessage as bad:
                summary.messages += 1
                summary.bad += 1
                logger.warning("import: %s; skipped", bad)
        for message in sorted(readable, key=lambda m: m.id):
            if message.type != "message":
                continue  # joins, pins, title changes
            summary.messages += 1
            try:
                read = self._read(message)
            except _BadMessage as bad:
                summary.bad += 1
                logger.warning("import: %s; skipped", bad)
                continue
            if read is None:
                summary.from_bot += 1
            elif read.when > now + FUTURE_SLACK:
                summary.future += 1
            else:
                if read.author is None:
                    summary.unknown_senders += 1
                messages[read.id] = read
        return messages

    def _read(self, raw: ExportMessage) -> _Message | None:
        """One export message as the import uses it; None for the bot's own."""
        found = _USER_ID.match(raw.from_id or "")
        author = int(found[1]) if found else None
        if author is not None and author > MAX_ID:
            raise _BadMessage(f"message {raw.id}: sender id {author} is not a Telegram id")
        if author is not None and author == self.bot_id:
            return None
        return _Message(
            id=raw.id,
            author=author,
            name=raw.sender or "",
            text=plain_text(raw.text),
            when=_when(raw, self.config.bot.timezone),
            reply_to=raw.reply_to_message_id,
        )

    def _parse(self, messages: dict[int, _Message]) -> dict[int, Parsed]:
        """Every message as the live bot reads it (a reply is read with what it answers)."""
        parsed: dict[int, Parsed] = {}
        for message in messages.values():
            if not message.text.strip():
                continue
            replied = messages.get(message.reply_to) if message.reply_to else None
            reply_to = understand(replied.text, self.catalogue) if replied else None
            parsed[message.id] = understand(message.text, self.catalogue, reply_to=reply_to)
        return parsed

    def _closed_messages(
        self, messages: dict[int, _Message], parsed: dict[int, Parsed]
    ) -> set[int]:
        """Messages whose entries were later answered as done (see the module docstring)."""
        closed: set[int] = set()
        for message in messages.values():
            found = parsed.get(message.id)
            if found is None or "closed" not in found.tags or message.author is None:
                continue
            if message.reply_to is not None:
                chain: list[int] = []
                current = messages.get(message.reply_to)
                while current is not None and current.id not in chain:
                    chain.append(current.id)
                    if current.author == message.author:
                        closed.update(chain)
                        break
                    current = messages.get(current.reply_to) if current.reply_to else None
                continue
            named = {item.canonical for item in found.items}
            for earlier in sorted(messages.values(), key=lambda m: -m.id):
                if earlier.id >= message.id or earlier.author != message.author:
                    continue
                entry = parsed.get(earlier.id)
                if entry and entry.intent != "none" and named & {i.canonical for i in entry.items}:
                    closed.add(earlier.id)
                    break
        return closed

    # --- writing ----------------------------------------------------------------------

    async def _record(
        self,
        tx: Tx,
        group: GroupSpec,
        message: _Message,
        parsed: Parsed,
        summary: ImportSummary,
        now: datetime,
    ) -> None:
        assert message.author is not None
        if await tx.user(message.author) is None:
            # Only residents the bot never saw: a live home group is newer than the export.
            await tx.save_user(
                UserRecord(message.author, message.name, home_chat_id=group.chat_id), now
            )
        kind: Literal["offer", "request"] = "offer" if parsed.intent == "offer" else "request"
        for item in parsed.items:
            if item.restricted:
                summary.prescription += 1
                continue
            await tx.add_entry(
                entry_for(
                    self.config,
                    self.catalogue,
                    group,
                    parsed,
                    item,
                    user_id=message.author,
                    message_id=message.id,
                    text=message.text,
                    at=message.when,
                )
            )
            if kind == "offer":
                summary.offers += 1
            else:
                summary.requests += 1
        await tx.mark_imported(group.chat_id, message.id, now)


async def import_chat(
    config: Config,
    export_path: str | Path,
    chat_id: int,
    database: str,
    now: datetime,
    *,
    bot_id: int | None = None,
) -> ImportSummary:
    """Read an export and import it into `database` (the `jinlin import` command)."""
    export = read_export(export_path)
    catalogue = Catalogue.load(config.catalogue.items)
    importer = ChatImport(config, catalogue, bot_id=bot_id)
    importer.group_for(export, chat_id)  # refuse before touching the database
    repo = await Repository.open(database)
    try:
        return await importer.run(repo, export, chat_id, now)
    finally:
        await repo.close()


def cmd_import(args: argparse.Namespace) -> int:
    """`jinlin import result.json --group ID [--config] [--db] [--bot-id] [--now]`."""
    from bot.cli import DEMO_CONFIG, _print_problems

    config_path = args.config or str(DEMO_CONFIG)
    try:
        config = load_config(config_path)
    except ConfigError as error:
        _print_problems(error, config_path)
        return 2
    now = SystemClock().now()
    if args.now:
        try:
            now = _as_utc(datetime.fromisoformat(args.now), config.bot.timezone)
        except ValueError:
            print(f"✗ --now {args.now!r} is not a date-time like 2026-11-22T09:00", file=sys.stderr)
            return 2
    bot_id = args.bot_id
    token = config.token()
    if bot_id is None and token and token.split(":", 1)[0].isdigit():
        bot_id = int(token.split(":", 1)[0])
    try:
        database = args.db or config.database()
    except ConfigError as error:
        print(f"✗ {error.problems[0]}", file=sys.stderr)
        return 1
    try:
        summary = asyncio.run(
            import_chat(config, args.file, args.group, database, now, bot_id=bot_id)
        )
    except ImportFailure as failure:
        print(f"✗ {failure.message}", file=sys.stderr)
        return failure.exit_code
    except (sqlite3.Error, asyncpg.PostgresError, OSError) as error:
        print(f"✗ cannot write the database {redact_log_line(database)}: {error}", file=sys.stderr)
        return 1
    print(f"✓ imported {args.file} into group {args.group} ({database})")
    for line in summary.lines():
        print(f"  {line}")
    return 0


def _as_utc(value: datetime, zone: str) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value.astimezone(UTC)
