"""An in-memory Telegram with Bot API semantics, for the offline console and end-to-end tests."""

from __future__ import annotations

import asyncio
import base64
import html
import itertools
import json
import logging
import math
import re
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from telegram.constants import ReactionEmoji

logger = logging.getLogger(__name__)

JSON = dict[str, Any]

# Telegram's documented limits.
MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_GET_UPDATES_LIMIT = 100
# How far past the next update id an offset may point before Telegram calls it "in the future".
UPDATE_ID_SLACK = 10
MAX_START_PAYLOAD = 64
# Telegram does not document it, but answers more than roughly 10-15 s after the press are
# refused ("query is too old"); clients stop showing the spinner by then.
CALLBACK_ANSWER_WINDOW = 15.0
# Bots may delete and (for incoming private messages) manage messages only for 48 hours.
DELETE_WINDOW = 48 * 3600
# Telegram keeps unfetched updates for no longer than 24 hours.
UPDATE_RETENTION = 24 * 3600
# Without allowed_updates Telegram sends everything except these.
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
ALL_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "message_reaction",
        "message_reaction_count",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
ALLOWED_REACTIONS = frozenset(str(emoji) for emoji in ReactionEmoji)
INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
ACTIVE_STATUSES = frozenset({"creator", "administrator", "member", "restricted"})
CALLBACK_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_START_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{0,64}")
# setWebhook: 1-256 characters, only A-Z, a-z, 0-9, _ and -.
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")


# --------------------------------------------------------------------------- errors and markup


class ApiError(Exception):
    """A Bot API error response (HTTP status, description, optional parameters)."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> JSON:
        """The JSON body Telegram answers with."""
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str) -> ApiError:
    """A 400 with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> ApiError:
    """A 403 with Telegram's "Forbidden: " prefix."""
    return ApiError(403, f"Forbidden: {detail}")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of every Bot API offset and limit."""
    return len(text.encode("utf-16-le")) // 2


def _cant_parse(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


# Telegram detects these in every message, including the bot's own.
_AUTO_ENTITY = re.compile(
    r"(?P<bot_command>(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/@]))"
    r"|(?P<mention>(?<![\w@])@[A-Za-z0-9_]{5,32}(?!\w))"
    r"|(?P<hashtag>(?<![\w#])#\w*[^\W\d]\w*)"
    r"|(?P<url>https?://[^\s<>\"]+)"
)


def auto_entities(text: str) -> list[JSON]:
    """bot_command, mention, hashtag and url entities Telegram finds in plain text."""
    entities: list[JSON] = []
    for match in _AUTO_ENTITY.finditer(text):
        kind = match.lastgroup or "url"
        entities.append(
            {
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group()),
                "type": kind,
            }
        )
    return entities


def parse_formatted(
    raw: str, parse_mode: str | None, explicit: Any = None
) -> tuple[str, list[JSON]]:
    """Text and entities of a message as Telegram stores it, or ApiError for bad markup."""
    if explicit is not None:
        if not isinstance(explicit, list) or not all(
            isinstance(e, dict) and {"type", "offset", "length"} <= e.keys() for e in explicit
        ):
            raise bad_request("can't parse entities JSON object")
        text, entities = raw, [dict(e) for e in explicit]
    elif not parse_mode:
        text, entities = raw, []
    elif parse_mode.lower() == "html":
        text, entities = _parse_html(raw)
    elif parse_mode.lower() == "markdownv2":
        text, entities = _parse_markdown(raw, strict=True)
    elif parse_mode.lower() == "markdown":
        text, entities = _parse_markdown(raw, strict=False)
    else:
        raise bad_request(f"unsupported parse_mode {parse_mode!r}")
    text, entities = _strip(text, entities)
    taken = [(e["offset"], e["offset"] + e["length"]) for e in entities]
    for found in auto_entities(text):
        start, end = found["offset"], found["offset"] + found["length"]
        if all(end <= a or start >= b for a, b in taken):
            entities.append(found)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return text, entities


def _strip(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    # Telegram trims surrounding whitespace from texts and captions.
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    limit = utf16_len(stripped)
    kept: list[JSON] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, limit)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


_HTML_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_ATTRIBUTE = re.compile(r"""\s*([A-Za-z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_PLAIN_HTML = re.compile(r"[^<&]+")
_CHAR_REF = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z]+);")


@dataclass
class _OpenTag:
    name: str
    start: int
    attributes: dict[str, str]
    language: str | None = None


def _byte_offset(raw: str, index: int) -> int:
    return len(raw[:index].encode())


def _parse_html(raw: str) -> tuple[str, list[JSON]]:
    """Telegram's HTML subset: only its tags, only &lt; &gt; &amp; &quot; and numeric refs."""
    out: list[str] = []
    length = 0
    stack: list[_OpenTag] = []
    entities: list[JSON] = []
    i = 0
    while i < len(raw):
        char = raw[i]
        if char == "<":
            if raw.startswith("</", i):
                i = _close_html_tag(raw, i, stack, entities, length)
            else:
                i = _open_html_tag(raw, i, stack, length)
            continue
        if char == "&":
            ref = _CHAR_REF.match(raw, i)
            decoded = _decode_char_ref(ref.group(1)) if ref else None
            if ref and decoded is not None:
                out.append(decoded)
                length += utf16_len(decoded)
                i = ref.end()
                continue
            plain = "&"  # not a reference Telegram knows: kept as typed
        else:
            # Text up to the next tag or reference at once: the stand-in answers every
            # message the benchmarks send, so a character at a time cost them a core's tenth.
            run = _PLAIN_HTML.match(raw, i)
            plain = run.group() if run else char
        out.append(plain)
        length += utf16_len(plain)
        i += len(plain)
    if stack:
        raise _cant_parse(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return "".join(out), entities


def _decode_char_ref(ref: str) -> str | None:
    if ref.startswith(("#x", "#X")):
        code = int(ref[2:], 16)
    elif ref.startswith("#"):
        code = int(ref[1:])
    else:
        return _HTML_NAMED.get(ref)
    return chr(code) if 0 < code <= 0x10FFFF else None


def _open_html_tag(raw: str, i: int, stack: list[_OpenTag], length: int) -> int:
    name_match = _TAG_NAME.match(raw, i + 1)
    name = name_match.group().lower() if name_match else ""
    offset = _byte_offset(raw, i)
    if name not in _HTML_ENTITY_TYPES:
        raise _cant_parse(f'Unsupported start tag "{name}" at byte offset {offset}')
    assert name_match is not None
    position = name_match.end()
    attributes: dict[str, str] = {}
    while True:
        attribute = _ATTRIBUTE.match(raw, position)
        if attribute is None or attribute.end() == position:
            break
        value = next((v for v in attribute.groups()[1:] if v is not None), "")
        attributes[attribute.group(1).lower()] = html.unescape(value)
        position = attribute.end()
    while position < len(raw) and raw[position].isspace():
        position += 1
    if raw.startswith("/>", position):
        position += 1
    if position >= len(raw) or raw[position] != ">":
        raise _cant_parse(f"Can't find end of the tag starting at byte offset {offset}")
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise _cant_parse(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    stack.append(_OpenTag(name, length, attributes))
    return position + 1


def _close_html_tag(
    raw: str, i: int, stack: list[_OpenTag], entities: list[JSON], length: int
) -> int:
    offset = _byte_offset(raw, i)
    end = raw.find(">", i)
    if end < 0:
        raise _cant_parse(f"Unclosed end tag at byte offset {offset}")
    name = raw[i + 2 : end].strip().lower()
    if not stack:
        raise _cant_parse(f"Unexpected end tag at byte offset {offset}")
    tag = stack.pop()
    if tag.name != name:
        raise _cant_parse(
            f'Unmatched end tag at byte offset {offset}, expected "</{tag.name}>", '
            f'found "</{name}>"'
        )
    entity: JSON = {"offset": tag.start, "length": length - tag.start}
    kind = _HTML_ENTITY_TYPES[name]
    css_class = tag.attributes.get("class", "")
    if name == "code" and stack and stack[-1].name == "pre" and css_class.startswith("language-"):
        # <pre><code class="language-x"> is one pre entity with a language.
        stack[-1].language = css_class.removeprefix("language-")
        return end + 1
    if name == "a":
        href = tag.attributes.get("href", "")
        if not href:
            return end + 1
        user = re.fullmatch(r"tg://user\?id=(\d+)", href)
        if user:
            kind = "text_mention"
            entity["user"] = {"id": int(user.group(1)), "is_bot": False, "first_name": ""}
        else:
            entity["url"] = href
    elif name == "pre" and tag.language:
        entity["language"] = tag.language
    elif name == "blockquote" and "expandable" in tag.attributes:
        kind = "expandable_blockquote"
    elif name == "tg-emoji":
        entity["custom_emoji_id"] = tag.attributes.get("emoji-id", "")
    entity["type"] = kind
    if entity["length"] > 0:
        entities.append(entity)
    return end + 1


_MARKDOWN_V2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_LEGACY_LINK = re.compile(r"\[[^\]]*\]\([^)]*\)")
_MARKDOWN_NAMES = {
    "*": ("bold", "Bold"),
    "_": ("italic", "Italic"),
    "__": ("underline", "Underline"),
    "~": ("strikethrough", "Strikethrough"),
    "||": ("spoiler", "Spoiler"),
}


def _parse_markdown(raw: str, *, strict: bool) -> tuple[str, list[JSON]]:
    """MarkdownV2 (strict: every reserved character escaped) or legacy Markdown."""
    out: list[str] = []
    length = 0
    entities: list[JSON] = []
    open_marks: list[tuple[str, int, int]] = []  # (marker, start, byte offset)
    link: tuple[int, int] | None = None  # (start, byte offset) of "[" text
    i = 0

    def emit(text: str) -> None:
        nonlocal length
        out.append(text)
        length += utf16_len(text)

    while i < len(raw):
        char = raw[i]
        offset = _byte_offset(raw, i)
        if char == "\\" and (strict or (i + 1 < len(raw) and raw[i + 1] in "_*`[")):
            if i + 1 < len(raw):
                emit(raw[i + 1])
            i += 2
            continue
        if raw.startswith("```", i):
            close = raw.find("```", i + 3)
            if close < 0:
                raise _cant_parse(_markdown_unclosed("Pre", offset, strict))
            body = raw[i + 3 : close]
            language, newline, rest = body.partition("\n")
            entity: JSON = {"type": "pre", "offset": length}
            if newline and language and " " not in language:
                entity["language"] = language
                body = rest
            body = _unescape_code(body) if strict else body
            emit(body)
            entity["length"] = length - entity["offset"]
            entities.append(entity)
            i = close + 3
            continue
        if char == "`":
            close = _find_unescaped(raw, "`", i + 1) if strict else raw.find("`", i + 1)
            if close < 0:
                raise _cant_parse(_markdown_unclosed("Code", offset, strict))
            body = raw[i + 1 : close]
            start = length
            emit(_unescape_code(body) if strict else body)
            entities.append({"type": "code", "offset": start, "length": length - start})
            i = close + 1
            continue
        if char == "[" and link is None:
            # Legacy Markdown keeps a "[" that does not open a complete [text](url) as text.
            if strict or _LEGACY_LINK.match(raw, i):
                link = (length, offset)
            else:
                emit(char)
            i += 1
            continue
        if char == "]" and link is not None:
            url_end = _find_unescaped(raw, ")", i + 2)
            if not raw.startswith("(", i + 1) or url_end < 0:
                raise _cant_parse(_markdown_unclosed("TextUrl", link[1], strict))
            url = raw[i + 2 : url_end].replace("\\)", ")").replace("\\\\", "\\")
            entities.append(
                {"type": "text_link", "offset": link[0], "length": length - link[0], "url": url}
            )
            link = None
            i = url_end + 1
            continue
        marker = _markdown_marker(raw, i, strict)
        if marker:
            if open_marks and open_marks[-1][0] == marker:
                _, start, _ = open_marks.pop()
                kind = _MARKDOWN_NAMES[marker][0]
                if length > start:
                    entities.append({"type": kind, "offset": start, "length": length - start})
            elif strict or not open_marks:
                open_marks.append((marker, length, offset))
            else:
                emit(marker)
            i += len(marker)
            continue
        if strict and char in _MARKDOWN_V2_RESERVED:
            if not (char == ">" and (i == 0 or raw[i - 1] == "\n")):
                raise _cant_parse(
                    f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
                )
            i += 1  # a ">" opening a line starts a block quote
            continue
        emit(char)
        i += 1
    if open_marks:
        marker, _, offset = open_marks[-1]
        raise _cant_parse(_markdown_unclosed(_MARKDOWN_NAMES[marker][1], offset, strict))
    if link is not None:
        raise _cant_parse(_markdown_unclosed("TextUrl", link[1], strict))
    return "".join(out), entities


def _markdown_marker(raw: str, i: int, strict: bool) -> str:
    if strict:
        for marker in ("__", "||", "*", "_", "~"):
            if raw.startswith(marker, i):
                return marker
        return ""
    return raw[i] if raw[i] in "*_" else ""


def _markdown_unclosed(name: str, offset: int, strict: bool) -> str:
    if strict:
        return f"Can't find end of {name} entity at byte offset {offset}"
    return f"Can't find end of the entity starting at byte offset {offset}"


def _find_unescaped(raw: str, wanted: str, start: int) -> int:
    i = start
    while i < len(raw):
        if raw[i] == "\\":
            i += 2
            continue
        if raw[i] == wanted:
            return i
        i += 1
    return -1


def _unescape_code(body: str) -> str:
    return re.sub(r"\\([`\\])", r"\1", body)


class SimulationError(Exception):
    """A test or console line asked the world for something no Telegram client could do."""


@dataclass(eq=False)
class SimUser:
    """A Telegram account: a resident, or the bot itself."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    started_bot: bool = False
    blocked_bot: bool = False

    def to_api(self) -> JSON:
        """The Bot API `User` object."""
        data: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        return data

    @property
    def full_name(self) -> str:
        """First and last name as Telegram clients show them."""
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


@dataclass(eq=False)
class SimChat:
    """A private chat, group or supergroup, with its members as Telegram tracks them."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    is_forum: bool = False
    private_with: SimUser | None = None
    statuses: dict[int, str] = field(default_factory=dict)
    bot_status: str = "member"
    migrated_to: int | None = None
    topics: dict[int, str] = field(default_factory=dict)
    pinned: list[int] = field(default_factory=list)
    next_message_id: int = 1

    @property
    def is_group(self) -> bool:
        """Whether this is a group or supergroup (not a private chat)."""
        return self.type in ("group", "supergroup")

    def to_api(self) -> JSON:
        """The Bot API `Chat` object."""
        data: JSON = {"id": self.id, "type": self.type}
        if self.private_with is not None:
            user = self.private_with
            data["first_name"] = user.first_name
            if user.last_name:
                data["last_name"] = user.last_name
            if user.username:
                data["username"] = user.username
            return data
        data["title"] = self.title
        if self.username:
            data["username"] = self.username
        if self.is_forum:
            data["is_forum"] = True
        return data


@dataclass(eq=False)
class SimMessage:
    """One message in a chat, in its current state (edits applied)."""

    chat: SimChat
    message_id: int
    sender: SimUser
    date: int
    text: str | None = None
    entities: list[JSON] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[JSON] = field(default_factory=list)
    photo: list[JSON] | None = None
    document: JSON | None = None
    reply_to: SimMessage | None = None
    thread_id: int | None = None
    is_topic_message: bool = False
    reply_markup: JSON | None = None
    edit_date: int | None = None
    service: JSON = field(default_factory=dict)
    reactions: list[JSON] = field(default_factory=list)
    user_reactions: dict[int, str] = field(default_factory=dict)
    deleted: bool = False
    # A native poll (bot/telegram_sim/polls.py): the same object in every forwarded copy.
    poll: Any = None

    @property
    def from_bot(self) -> bool:
        """Whether the bot sent this message."""
        return self.sender.is_bot

    @property
    def content(self) -> str:
        """Text or caption, whichever the message has."""
        return self.text if self.text is not None else (self.caption or "")

    def buttons(self) -> list[list[JSON]]:
        """The inline keyboard, row by row (empty when there is none)."""
        return [list(row) for row in (self.reply_markup or {}).get("inline_keyboard", [])]

    def button_data(self) -> list[str]:
        """Every callback_data of the inline keyboard, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [b["callback_data"] for row in rows for b in row if "callback_data" in b]

    def to_api(self, *, with_reply: bool = True) -> JSON:
        """The Bot API `Message` object."""
        data: JSON = {
            "message_id": self.message_id,
            "from": self.sender.to_api(),
            "chat": self.chat.to_api(),
            "date": self.date,
        }
        if self.thread_id is not None:
            data["message_thread_id"] = self.thread_id
        if self.is_topic_message:
            data["is_topic_message"] = True
        # Telegram nests only one level: a replied-to message carries no reply of its own.
        if with_reply and self.reply_to is not None and not self.reply_to.deleted:
            data["reply_to_message"] = self.reply_to.to_api(with_reply=False)
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        if self.text is not None:
            data["text"] = self.text
            if self.entities:
                data["entities"] = self.entities
        if self.photo is not None:
            data["photo"] = self.photo
        if self.document is not None:
            data["document"] = self.document
        if self.caption is not None:
            data["caption"] = self.caption
            if self.caption_entities:
                data["caption_entities"] = self.caption_entities
        if self.poll is not None:
            data["poll"] = self.poll.to_api()
        if self.reply_markup is not None:
            data["reply_markup"] = self.reply_markup
        data.update(self.service)
        return data


@dataclass(frozen=True)
class SentMessage:
    """One successful thing the bot did, as the console renders it and tests assert it."""

    kind: str
    chat_id: int | None
    message_id: int | None = None
    text: str | None = None
    plain_text: str | None = None
    parse_mode: str | None = None
    reply_markup: JSON | None = None
    reply_to_message_id: int | None = None
    message_thread_id: int | None = None
    photo: str | None = None
    document: str | None = None
    reaction: tuple[str, ...] = ()
    callback_query_id: str | None = None
    show_alert: bool = False


class FailedCall(NamedTuple):
    """A Bot API call Telegram refused: (method, params, error_code, description)."""

    method: str
    params: JSON
    error_code: int
    description: str


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart upload."""

    filename: str
    content: bytes
    mime_type: str | None = None


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes
    file_path: str
    sizes: list[JSON] | None = None
    document: JSON | None = None


@dataclass
class _CallbackQuery:
    query_id: str
    user: SimUser
    message: SimMessage
    created_at: float
    answered: bool = False


@dataclass(frozen=True)
class RateLimits:
    """Telegram's flood limits for bots; opt in to see 429s the way a busy bot would."""

    # Telegram's bot FAQ: about one message per second per chat, twenty per minute per
    # group, about thirty per second overall.
    per_chat_per_second: int = 1
    per_group_per_minute: int = 20
    overall_per_second: int = 30


@dataclass
class _Flood:
    retry_after: int
    remaining: int
    methods: frozenset[str] | None


class _Params:
    """Bot API parameters as they arrive: wire strings (form, multipart) or JSON values."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = {k: v for k, v in raw.items() if v is not None}

    def has(self, name: str) -> bool:
        return name in self.raw and self.raw[name] != ""

    def text(self, name: str) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def integer(self, name: str, error: str) -> int | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise bad_request(error)
        if isinstance(value, int):
            return value
        try:
            return int(float(value)) if isinstance(value, float) else int(str(value).strip())
        except ValueError:
            raise bad_request(error) from None

    def number(self, name: str, default: float) -> float:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            return default

    def flag(self, name: str) -> bool:
        value = self.raw.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1")
        return bool(value)

    def json(self, name: str, error: str) -> Any:
        value = self.raw.get(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(error) from None


ChatTarget = SimChat | SimUser


class TelegramWorld:
    """The Telegram a bot sees: users, chats, messages, the update queue and the Bot API.

    Not thread-safe: call it from the thread that runs the bot's event loop.
    """

    def __init__(
        self,
        bot_token: str = "123456:TEST-TOKEN",
        bot_username: str = "jinlin_test_bot",
        bot_first_name: str = "Jinlin",
        *,
        can_read_all_group_messages: bool = True,
        can_join_groups: bool = True,
        supports_inline_queries: bool = False,
        clock: Callable[[], float] = time.time,
        first_update_id: int = 1,
        rate_limits: RateLimits | None = None,
    ) -> None:
        bot_id_text = bot_token.split(":", 1)[0]
        if not bot_id_text.isdigit() or ":" not in bot_token:
            raise ValueError("bot_token must look like '<bot id>:<secret>'")
        self.bot_token = bot_token
        self.bot = SimUser(int(bot_id_text), bot_first_name, username=bot_username, is_bot=True)
        self.can_read_all_group_messages = can_read_all_group_messages
        self.can_join_groups = can_join_groups
        self.supports_inline_queries = supports_inline_queries
        self._clock = clock
        self._time_offset = 0.0
        self.users: dict[int, SimUser] = {}
        self.chats: dict[int, SimChat] = {}
        self._messages: dict[int, dict[int, SimMessage]] = {}
        self.outbox: list[SentMessage] = []
        self._drained = 0
        self.failed_calls: list[FailedCall] = []
        self.chat_actions: list[tuple[int, str]] = []
        self.files: dict[str, _StoredFile] = {}
        self._file_counter = 0
        # Unconfirmed updates, oldest first; a deque so confirming a batch costs the batch,
        # not the backlog (benchmarks queue thousands).
        self._updates: deque[JSON] = deque()
        self._update_born: dict[int, float] = {}
        self._born_in_order = True  # False once the world's clock was set back
        self._next_update_id = first_update_id
        self._allowed_updates: frozenset[str] | None = None
        self._webhook_url = ""
        self.webhook_secret: str | None = None
        self.webhook_max_connections = 40
        self.webhook_last_error: tuple[float, str] | None = None
        # Called whenever an update is queued or the webhook changes (the HTTP stand-in's
        # webhook sender waits on it).
        self.on_updates_changed: Callable[[], None] = lambda: None
        self._active_poll: asyncio.Future[str] | None = None
        self._callback_queries: dict[str, _CallbackQuery] = {}
        self._callback_counter = 0
        # Private chats and basic groups share one message-id sequence per account;
        # supergroups number their messages themselves.
        self._box_message_id = 1
        self._next_supergroup_suffix = 1_000_000_000
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._descriptions: dict[str, str] = {}  # by language code ("" = the default)
        self._short_descriptions: dict[str, str] = {}
        # Every menu and description change, in order: (method, scope key, language code).
        self.menu_calls: list[tuple[str, str, str]] = []
        self._flood: _Flood | None = None
        self.rate_limits = rate_limits
        self._sent_at: dict[int, deque[float]] = {}
        self._sent_at_overall: deque[float] = deque()
        self.calls_handled = 0
        self.method_calls: Counter[str] = Counter()  # per Bot API method, as the bot spelt it
        # Native polls by id, and what runs when time passes (polls closing on their own).
        self.polls: dict[str, Any] = {}
        self.on_tick: list[Callable[[], None]] = []

    # ----------------------------------------------------------------- clock

    def now(self) -> float:
        """World time: the injected clock plus every tick()."""
        return self._clock() + self._time_offset

    def tick(self, seconds: float) -> None:
        """Advance world time (message dates, callback expiry, polls' close_date)."""
        self._time_offset += seconds
        for close in list(self.on_tick):
            close()

    # ------------------------------------------------------------ the world

    def add_user(
        self,
        user_id: int,
        first_name: str,
        *,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = None,
    ) -> SimUser:
        """Create a resident's Telegram account (and its private chat with the bot)."""
        if user_id <= 0 or user_id in self.users or user_id == self.bot.id:
            raise SimulationError(f"user id {user_id} is taken or invalid")
        user = SimUser(user_id, first_name, last_name, username, language_code)
        self.users[user_id] = user
        self._register_chat(SimChat(user_id, "private", private_with=user))
        return user

    def add_group(
        self,
        chat_id: int,
        title: str,
        *,
        members: Iterable[SimUser] = (),
        supergroup: bool = False,
        forum: bool = False,
        username: str | None = None,
        owner: SimUser | None = None,
        admins: Iterable[SimUser] = (),
        bot_status: str = "member",
    ) -> SimChat:
        """Create a group the bot is already in (bot_status='left' for one it must be added to)."""
        if chat_id >= 0 or chat_id in self.chats:
            raise SimulationError(f"group id {chat_id} is taken or not negative")
        if forum and not supergroup:
            raise SimulationError("only supergroups can be forums")
        if bot_status not in ("member", "administrator", "left", "kicked"):
            raise SimulationError(f"unknown bot status {bot_status!r}")
        chat = SimChat(
            chat_id,
            "supergroup" if supergroup else "group",
            title=title,
            username=username,
            is_forum=forum,
            bot_status=bot_status,
        )
        member_list = list(members)
        for user in member_list:
            chat.statuses[user.id] = "member"
        for user in admins:
            chat.statuses[user.id] = "administrator"
        creator = owner or (member_list[0] if member_list else None)
        if creator is not None:
            chat.statuses[creator.id] = "creator"
        self._register_chat(chat)
        return chat

    def private_chat(self, user: SimUser) -> SimChat:
        """The private chat between a user and the bot."""
        return self.chats[user.id]

    def chat(self, chat_id: int) -> SimChat:
        """A chat by id."""
        return self.chats[chat_id]

    def join(self, group: SimChat, user: SimUser) -> SimMessage:
        """A user joins a group: a new_chat_members service message."""
        old = group.statuses.get(user.id, "left")
        group.statuses[user.id] = "member"
        self._chat_member_update("chat_member", group, user, user, old, "member")
        return self._post_service(group, user, {"new_chat_members": [user.to_api()]})

    def leave(self, group: SimChat, user: SimUser) -> SimMessage:
        """A user leaves a group: a left_chat_member service message."""
        old = group.statuses.get(user.id, "left")
        group.statuses[user.id] = "left"
        self._chat_member_update("chat_member", group, user, user, old, "left")
        return self._post_service(group, user, {"left_chat_member": user.to_api()})

    def set_status(self, group: SimChat, user: SimUser, status: str) -> None:
        """Change a member's (or the bot's) status silently, e.g. promote a captain to admin."""
        if status not in ACTIVE_STATUSES | {"left", "kicked"}:
            raise SimulationError(f"unknown status {status!r}")
        if user is self.bot:
            if status in ("creator", "restricted"):
                raise SimulationError("a bot is a member, an administrator, left or kicked")
            group.bot_status = status
            return
        group.statuses[user.id] = status

    def create_topic(self, group: SimChat, name: str, *, by: SimUser) -> int:
        """Open a forum topic; returns its message_thread_id."""
        if not group.is_forum:
            raise SimulationError("topics exist only in forum supergroups")
        message_id = self._allocate_message_id(group)
        group.topics[message_id] = name
        message = SimMessage(
            group,
            message_id,
            by,
            self._date(),
            thread_id=message_id,
            is_topic_message=True,
            service={"forum_topic_created": {"name": name, "icon_color": 7322096}},
        )
        self._store(message)
        self._enqueue("message", message.to_api())
        return message_id

    def start_bot(self, user: SimUser, payload: str | None = None) -> SimMessage:
        """The user presses Start (optionally from a t.me/<bot>?start=<payload> link)."""
        if payload is not None and not _START_PAYLOAD.fullmatch(payload):
            raise SimulationError("start payloads are up to 64 characters of A-Z a-z 0-9 _ -")
        if user.blocked_bot:
            self.unblock_bot(user)
        user.started_bot = True
        text = "/start" if not payload else f"/start {payload}"
        return self.send(user, self.private_chat(user), text)

    def block_bot(self, user: SimUser) -> None:
        """The user blocks the bot: later sends to them fail with 403."""
        if not user.blocked_bot:
            user.blocked_bot = True
            chat = self.private_chat(user)
            self._chat_member_update("my_chat_member", chat, user, self.bot, "member", "kicked")

    def unblock_bot(self, user: SimUser) -> None:
        """The user unblocks the bot."""
        if user.blocked_bot:
            user.blocked_bot = False
            chat = self.private_chat(user)
            self._chat_member_update("my_chat_member", chat, user, self.bot, "kicked", "member")

    def add_bot_to_group(self, group: SimChat, *, by: SimUser, as_admin: bool = False) -> None:
        """A member adds the bot: my_chat_member, then the new_chat_members service message."""
        if group.statuses.get(by.id) not in ACTIVE_STATUSES:
            raise SimulationError(f"{by.first_name} is not in {group.title}")
        if not self.can_join_groups:
            raise SimulationError("the bot has group joining disabled (BotFather)")
        old = group.bot_status
        group.bot_status = "administrator" if as_admin else "member"
        self._chat_member_update("my_chat_member", group, by, self.bot, old, group.bot_status)
        self._post_service(group, by, {"new_chat_members": [self.bot.to_api()]})

    def remove_bot_from_group(self, group: SimChat, *, by: SimUser) -> None:
        """A member removes (kicks) the bot from a group."""
        old = group.bot_status
        group.bot_status = "kicked" if group.type == "supergroup" else "left"
        self._chat_member_update("my_chat_member", group, by, self.bot, old, group.bot_status)
        self._post_service(group, by, {"left_chat_member": self.bot.to_api()})

    def migrate_to_supergroup(self, group: SimChat, *, by: SimUser | None = None) -> int:
        """Upgrade a basic group; returns the new supergroup id (the old id stops working)."""
        if group.type != "group" or group.migrated_to is not None:
            raise SimulationError("only a live basic group can be upgraded")
        actor = by or self._creator(group)
        new_id = int(f"-100{self._next_supergroup_suffix}")
        self._next_supergroup_suffix += 1
        supergroup = SimChat(
            new_id,
            "supergroup",
            title=group.title,
            statuses=dict(group.statuses),
            bot_status=group.bot_status,
        )
        self._register_chat(supergroup)
        group.migrated_to = new_id
        self._post_service(group, actor, {"migrate_to_chat_id": new_id})
        self._post_service(supergroup, actor, {"migrate_from_chat_id": group.id})
        return new_id

    # ----------------------------------------------------- residents acting

    def send(
        self,
        user: SimUser,
        chat: ChatTarget,
        text: str,
        *,
        reply_to: SimMessage | None = None,
        thread_id: int | None = None,
    ) -> SimMessage:
        """A resident sends a text message; the bot gets an update if Telegram would send one."""
        if not text.strip():
            raise SimulationError("Telegram clients do not send empty messages")
        if utf16_len(text) > MAX_MESSAGE_LENGTH:
            raise SimulationError("Telegram clients split texts longer than 4096 characters")
        target = self._chat_for(user, chat)
        message = self._user_message(user, target, reply_to, thread_id)
        message.text = text
        message.entities = auto_entities(text)
        self._store(message)
        self._deliver_user_message("message", message)
        return message

    def send_photo(
        self,
        user: SimUser,
        chat: ChatTarget,
        *,
        caption: str | None = None,
        content: bytes = b"\x89PNG fake photo",
        reply_to: SimMessage | None = None,
        thread_id: int | None = None,
    ) -> SimMessage:
        """A resident sends a photo (with a fake but downloadable file_id)."""
        target = self._chat_for(user, chat)
        message = self._user_message(user, target, reply_to, thread_id)
        if caption and utf16_len(caption) > MAX_CAPTION_LENGTH:
            raise SimulationError("captions are limited to 1024 characters")
        message.photo = self._store_photo(content)
        if caption:
            message.caption = caption
            message.caption_entities = auto_entities(caption)
        self._store(message)
        self._deliver_user_message("message", message)
        return message

    def edit(self, user: SimUser, message: SimMessage, text: str) -> SimMessage:
        """A resident edits their own message: an edited_message update."""
        if message.sender is not user or message.deleted:
            raise SimulationError("users can edit only their own live messages")
        if message.text is not None:
            message.text = text
            message.entities = auto_entities(text)
        else:
            message.caption = text
            message.caption_entities = auto_entities(text)
        message.edit_date = self._date()
        self._deliver_user_message("edited_message", message)
        return message

    def press(self, user: SimUser, message: SimMessage, data: str) -> str:
        """A resident presses an inline button; returns the callback query id."""
        if not message.from_bot or data not in message.button_data() or message.deleted:
            raise SimulationError(f"no inline button with callback_data {data!r} on that message")
        chat = message.chat
        if chat.private_with is not None and chat.private_with is not user:
            raise SimulationError("only the chat's user can press buttons in a private chat")
        if chat.is_group and chat.statuses.get(user.id) not in ACTIVE_STATUSES:
            raise SimulationError(f"{user.first_name} is not in {chat.title}")
        self._callback_counter += 1
        query_id = str(4_382_000_000_000_000_000 + self._callback_counter)
        self._callback_queries[query_id] = _CallbackQuery(query_id, user, message, self.now())
        payload: JSON = {
            "id": query_id,
            "from": user.to_api(),
            "message": message.to_api(),
            # Stable per chat, so a bot can tell games in different chats apart.
            "chat_instance": str(abs(chat.id) * 7919 + 104729),
            "data": data,
        }
        self._enqueue("callback_query", payload)
        return query_id

    def react(self, user: SimUser, message: SimMessage, emoji: str | None) -> None:
        """A resident sets (or clears) their reaction: a message_reaction update, if allowed."""
        if emoji is not None and emoji not in ALLOWED_REACTIONS:
            raise SimulationError(f"{emoji!r} is not an available reaction")
        previous = message.user_reactions.pop(user.id, None)
        if emoji is not None:
            message.user_reactions[user.id] = emoji
        old = [{"type": "emoji", "emoji": previous}] if previous else []
        new = [{"type": "emoji", "emoji": emoji}] if emoji else []
        payload = {
            "chat": message.chat.to_api(),
            "message_id": message.message_id,
            "user": user.to_api(),
            "date": self._date(),
            "old_reaction": old,
            "new_reaction": new,
        }
        # Reactions in groups reach only bots that administer the chat.
        chat = message.chat
        if not chat.is_group or chat.bot_status == "administrator":
            self._enqueue("message_reaction", payload)

    # ----------------------------------------------------- what the bot did

    def messages_in(self, chat: ChatTarget) -> list[SimMessage]:
        """Current state of a chat (edits applied, deleted messages gone), oldest first."""
        target = self.private_chat(chat) if isinstance(chat, SimUser) else chat
        return [m for m in self._messages[target.id].values() if not m.deleted]

    def bot_messages_in(self, chat: ChatTarget) -> list[SimMessage]:
        """Current bot messages in a chat, oldest first."""
        return [m for m in self.messages_in(chat) if m.from_bot]

    def message(self, chat: ChatTarget, message_id: int) -> SimMessage:
        """A message by chat and id."""
        target = self.private_chat(chat) if isinstance(chat, SimUser) else chat
        return self._messages[target.id][message_id]

    def drain_new_outbox(self) -> list[SentMessage]:
        """What the bot did since the last drain."""
        new = self.outbox[self._drained :]
        self._drained = len(self.outbox)
        return new

    @property
    def long_poll_waiting(self) -> bool:
        """Whether a getUpdates call is waiting for updates right now."""
        return self._active_poll is not None and not self._active_poll.done()

    def pending_updates(self) -> list[JSON]:
        """Updates the bot has not confirmed yet."""
        return list(self._updates)

    def pending_count(self) -> int:
        """How many updates the bot has not confirmed yet (without copying them)."""
        return len(self._updates)

    @property
    def webhook_url(self) -> str:
        """The URL setWebhook gave ("" while the bot long-polls)."""
        return self._webhook_url

    def webhook_delivered(self, update_id: int) -> None:
        """The bot's server answered 2xx: Telegram forgets the update."""
        # Deliveries finish near the oldest end, so the search stops early; rebuilding the
        # queue each time made a backlog of thousands quadratic: the stand-in, not the bot,
        # was what `jinlin bench workers` measured at two workers (py-spy: 61 % of its CPU).
        for update in self._updates:
            if update["update_id"] == update_id:
                self._updates.remove(update)
                break
        self._update_born.pop(update_id, None)

    def webhook_failed(self, description: str) -> None:
        """A delivery got no 2xx in time: kept for getWebhookInfo's last_error_*."""
        self.webhook_last_error = (self.now(), description)

    def restart_update_ids(self, first: int) -> None:
        """Telegram's next update id starts over at `first` (it does after a week without updates).

        The Bot API picks the next id at random then, so it may well be lower than the last.
        """
        if self._updates:
            raise ValueError("Telegram restarts its update ids only after a quiet week")
        self._next_update_id = first

    def next_update(self) -> JSON | None:
        """Take the oldest unconfirmed update (for tests that call process_update themselves)."""
        if not self._updates:
            return None
        update = self._updates.popleft()
        self._update_born.pop(update["update_id"], None)
        return update

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """The command list the bot registered for a scope and language (exactly that one)."""
        return self.commands_at(_scope_key(scope), language_code)

    def commands_at(self, scope_key: str, language_code: str) -> list[JSON]:
        return [dict(c) for c in self._commands.get((scope_key, language_code), [])]

    def menu_seen_by(self, user: SimUser, chat: ChatTarget | None = None) -> list[str]:
        """The command names `user` sees in a chat's menu (default: their private chat with
        the bot), chosen as Telegram does: the most specific scope first, and within each
        the user's app language before the scope's default."""
        place = self.private_chat(user) if chat is None or isinstance(chat, SimUser) else chat
        language = (user.language_code or "")[:2].lower()
        scopes: list[JSON] = []
        if place.private_with is not None:
            scopes += [{"type": "chat", "chat_id": place.id}, {"type": "all_private_chats"}]
        else:
            admin = place.statuses.get(user.id) in ("administrator", "creator")
            scopes.append({"type": "chat_member", "chat_id": place.id, "user_id": user.id})
            if admin:
                scopes.append({"type": "chat_administrators", "chat_id": place.id})
            scopes.append({"type": "chat", "chat_id": place.id})
            if admin:
                scopes.append({"type": "all_chat_administrators"})
            scopes.append({"type": "all_group_chats"})
        scopes.append({"type": "default"})
        for scope in scopes:
            for code in (language, ""):
                found = self._commands.get((_scope_key(scope), code))
                if found:
                    return [c["command"] for c in found]
        return []

    def description(self, language_code: str = "") -> str:
        """What the empty chat shows a user of this app language (Telegram falls back to
        the default text when the language has none of its own)."""
        return self._descriptions.get(language_code) or self._descriptions.get("", "")

    def short_description(self, language_code: str = "") -> str:
        return self._short_descriptions.get(language_code) or self._short_descriptions.get("", "")

    @staticmethod
    def _set_profile_text(texts: dict[str, str], language: str, text: str) -> None:
        if text:
            texts[language] = text
        else:
            texts.pop(language, None)  # an empty text removes the language's own one

    def simulate_flood(
        self, retry_after: int = 3, *, times: int = 1, methods: Iterable[str] | None = None
    ) -> None:
        """Answer the next `times` calls (of `methods`, default any) with 429 Too Many Requests."""
        wanted = frozenset(m.lower() for m in methods) if methods is not None else None
        self._flood = _Flood(retry_after, times, wanted)

    def file_content(self, file_path: str) -> bytes | None:
        """Bytes behind a getFile file_path, as the file download endpoint serves them."""
        for stored in self.files.values():
            if stored.file_path == file_path:
                return stored.content
        return None

    async def wait_until_idle(self, *, quiet: float = 0.1, timeout: float = 5.0) -> None:
        """Wait (real time) until the bot fetched every update and made no call for `quiet` s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            before = self.calls_handled
            await asyncio.sleep(quiet)
            if not self._updates and self.calls_handled == before:
                return
            if loop.time() > deadline:
                raise TimeoutError("the bot did not go quiet in time")

    # ------------------------------------------------------------- Bot API

    def check_token(self, token: str) -> bool:
        """Whether a request path's token is this bot's."""
        return token == self.bot_token

    def handle(self, method: str, params: Mapping[str, Any]) -> tuple[int, JSON]:
        """Run one Bot API method; getUpdates answers at once. Returns (HTTP status, body)."""
        self.calls_handled += 1
        self.method_calls[method] += 1
        try:
            result = self._dispatch(method, _Params(params))
        except ApiError as error:
            return self._refuse(method, params, error)
        return 200, {"ok": True, "result": result}

    async def handle_async(self, method: str, params: Mapping[str, Any]) -> tuple[int, JSON]:
        """Run one Bot API method; getUpdates long-polls up to its timeout."""
        if method.lower() != "getupdates":
            return self.handle(method, params)
        self.calls_handled += 1
        try:
            self._check_flood(method)
            result = await self._get_updates(_Params(params))
        except ApiError as error:
            return self._refuse(method, params, error)
        return 200, {"ok": True, "result": result}

    def _refuse(self, method: str, params: Mapping[str, Any], error: ApiError) -> tuple[int, JSON]:
        self.failed_calls.append(FailedCall(method, dict(params), error.code, error.description))
        logger.debug("refused %s: %s", method, error.description)
        return error.code, error.body()

    def _dispatch(self, method: str, params: _Params) -> Any:
        handler = _METHODS.get(method.lower())
        if handler is None:
            raise ApiError(404, "Not Found")
        self._check_flood(method)
        return handler(self, params)

    def _check_flood(self, method: str) -> None:
        flood = self._flood
        if flood is None or (flood.methods is not None and method.lower() not in flood.methods):
            return
        flood.remaining -= 1
        if flood.remaining <= 0:
            self._flood = None
        raise ApiError(
            429,
            f"Too Many Requests: retry after {flood.retry_after}",
            {"retry_after": flood.retry_after},
        )

    def _throttle(self, chat: SimChat) -> None:
        limits = self.rate_limits
        if limits is None:
            return
        now = self.now()
        per_chat = self._sent_at.setdefault(chat.id, deque())
        for log in (per_chat, self._sent_at_overall):
            while log and log[0] <= now - 60:
                log.popleft()
        waits = [
            _wait_for_slot(self._sent_at_overall, now, 1, limits.overall_per_second),
            _wait_for_slot(per_chat, now, 1, limits.per_chat_per_second),
        ]
        if chat.is_group:
            waits.append(_wait_for_slot(per_chat, now, 60, limits.per_group_per_minute))
        retry_after = max(waits)
        if retry_after > 0:
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )
        per_chat.append(now)
        self._sent_at_overall.append(now)

    # ---- updates

    def _select_updates(self, params: _Params) -> tuple[list[JSON], float]:
        if self._webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.integer("offset", "offset is invalid") or 0
        if offset > self._next_update_id + UPDATE_ID_SLACK:
            # Telegram's Bot API server answers an offset "in the future" from the head of
            # its queue (telegram-bot-api falls back to the queue's head): what a bot that
            # still holds the old ids' offset sees after the sequence restarted.
            offset = 0
        limit = params.integer("limit", "limit is invalid") or MAX_GET_UPDATES_LIMIT
        limit = min(max(limit, 1), MAX_GET_UPDATES_LIMIT)
        allowed = params.json("allowed_updates", "can't parse allowed updates")
        if isinstance(allowed, list):
            # An empty list restores the default; the choice sticks for later calls and
            # governs which updates are stored from now on.
            chosen = frozenset(str(a) for a in allowed) & ALL_UPDATE_TYPES
            self._allowed_updates = chosen or None
        self._forget_expired(self.now() - UPDATE_RETENTION)
        if offset > 0:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._forget_oldest()
        elif offset < 0:
            while len(self._updates) > -offset:
                self._forget_oldest()
        timeout = max(0.0, params.number("timeout", 0.0))
        return list(itertools.islice(self._updates, limit)), timeout

    def _forget_expired(self, horizon: float) -> None:
        """Telegram keeps an unconfirmed update for a day."""
        if self._born_in_order:
            while self._updates and self._update_born[self._updates[0]["update_id"]] <= horizon:
                self._forget_oldest()
            return
        born = self._update_born
        self._updates = deque(u for u in self._updates if born[u["update_id"]] > horizon)
        self._update_born = {u["update_id"]: born[u["update_id"]] for u in self._updates}

    def _forget_oldest(self) -> None:
        self._update_born.pop(self._updates.popleft()["update_id"], None)

    def _get_updates_now(self, params: _Params) -> list[JSON]:
        self._terminate_active_poll()
        return self._select_updates(params)[0]

    async def _get_updates(self, params: _Params) -> list[JSON]:
        self._terminate_active_poll()
        updates, timeout = self._select_updates(params)
        if updates or timeout <= 0:
            return updates
        waiter: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._active_poll = waiter
        try:
            await asyncio.wait({waiter}, timeout=timeout)
        finally:
            if self._active_poll is waiter:
                self._active_poll = None
        if waiter.done() and waiter.result() == "conflict":
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        waiter.cancel()
        return self._select_updates(params)[0]

    def _terminate_active_poll(self) -> None:
        # Telegram lets the newest getUpdates win; the one already waiting gets 409.
        poll = self._active_poll
        if poll is not None and not poll.done():
            poll.set_result("conflict")
        self._active_poll = None

    def _enqueue(self, kind: str, payload: JSON) -> None:
        allowed = self._allowed_updates
        if allowed is None and kind in DEFAULT_EXCLUDED_UPDATES:
            return
        if allowed is not None and kind not in allowed:
            return
        now = self.now()
        if self._updates and now < self._update_born[self._updates[-1]["update_id"]]:
            self._born_in_order = False
        self._updates.append({"update_id": self._next_update_id, kind: payload})
        self._update_born[self._next_update_id] = now
        self._next_update_id += 1
        self.on_updates_changed()
        poll = self._active_poll
        if poll is not None and not poll.done():
            poll.set_result("updates")

    # ---- chats and messages

    def _register_chat(self, chat: SimChat) -> None:
        self.chats[chat.id] = chat
        self._messages[chat.id] = {}

    def _date(self) -> int:
        return int(self.now())

    def _allocate_message_id(self, chat: SimChat) -> int:
        if chat.type == "supergroup":
            message_id = chat.next_message_id
            chat.next_message_id += 1
            return message_id
        message_id = self._box_message_id
        self._box_message_id += 1
        return message_id

    def _store(self, message: SimMessage) -> None:
        self._messages[message.chat.id][message.message_id] = message

    def _creator(self, group: SimChat) -> SimUser:
        for user_id, status in group.statuses.items():
            if status == "creator":
                return self.users[user_id]
        raise SimulationError(f"{group.title} has no creator; pass by=")

    def _chat_for(self, user: SimUser, chat: ChatTarget) -> SimChat:
        if isinstance(chat, SimUser):
            if chat is not user:
                raise SimulationError("residents talk to the bot, not to each other, here")
            chat = self.private_chat(user)
        if chat.private_with is not None:
            if chat.private_with is not user:
                raise SimulationError("that private chat belongs to someone else")
            # Writing to a bot starts (and unblocks) it, as the client's Start button does.
            if user.blocked_bot:
                self.unblock_bot(user)
            user.started_bot = True
        elif chat.statuses.get(user.id) not in ACTIVE_STATUSES:
            raise SimulationError(f"{user.first_name} is not a member of {chat.title}")
        elif chat.migrated_to is not None:
            raise SimulationError(f"{chat.title} was upgraded; use chat {chat.migrated_to}")
        return chat

    def _user_message(
        self,
        user: SimUser,
        chat: SimChat,
        reply_to: SimMessage | None,
        thread_id: int | None,
    ) -> SimMessage:
        if reply_to is not None and (reply_to.chat is not chat or reply_to.deleted):
            raise SimulationError("can only reply to a live message in the same chat")
        message = SimMessage(chat, self._allocate_message_id(chat), user, self._date())
        message.reply_to = reply_to
        if chat.is_forum:
            topic = reply_to.thread_id if reply_to is not None else thread_id
            if topic is not None:
                if topic not in chat.topics:
                    raise SimulationError(f"no topic {topic} in {chat.title}")
                message.thread_id = topic
                message.is_topic_message = True
                # In a topic, a message that replies to nothing replies to the topic's
                # creation message: Bot API clients see that as reply_to_message.
                if reply_to is None:
                    message.reply_to = self._messages[chat.id].get(topic)
        elif thread_id is not None:
            raise SimulationError("thread_id only exists in forum supergroups")
        return message

    def _deliver_user_message(self, kind: str, message: SimMessage) -> None:
        chat = message.chat
        if chat.is_group:
            if chat.bot_status not in ("member", "administrator"):
                return
            if not self._bot_sees_group_message(message):
                return
        elif message.sender.blocked_bot:
            return
        self._enqueue(kind, message.to_api())

    def _bot_sees_group_message(self, message: SimMessage) -> bool:
        # Privacy mode (BotFather): without it, a bot sees only commands, replies to its own
        # messages, and service messages; admins see everything.
        if self.can_read_all_group_messages or message.chat.bot_status == "administrator":
            return True
        if message.service:
            return True
        if message.reply_to is not None and message.reply_to.from_bot:
            return True
        for entity in message.entities:
            if entity["type"] == "bot_command":
                command = _slice16(message.text or "", entity["offset"], entity["length"])
                _, _, addressee = command.partition("@")
                if not addressee or addressee.lower() == (self.bot.username or "").lower():
                    return True
        return False

    def _post_service(self, chat: SimChat, actor: SimUser, service: JSON) -> SimMessage:
        message = SimMessage(chat, self._allocate_message_id(chat), actor, self._date())
        message.service = service
        self._store(message)
        if actor.is_bot:
            return message
        if chat.bot_status in ("member", "administrator") or "new_chat_members" in service:
            self._enqueue("message", message.to_api())
        return message

    def _chat_member_update(
        self,
        kind: str,
        chat: SimChat,
        actor: SimUser,
        member: SimUser,
        old: str,
        new: str,
    ) -> None:
        payload = {
            "chat": chat.to_api(),
            "from": actor.to_api(),
            "date": self._date(),
            "old_chat_member": self._chat_member(chat, member, old),
            "new_chat_member": self._chat_member(chat, member, new),
        }
        # Other members' status changes reach only bots that administer the chat.
        if kind == "chat_member" and chat.bot_status != "administrator":
            return
        self._enqueue(kind, payload)

    def _chat_member(self, chat: SimChat, user: SimUser, status: str) -> JSON:
        data: JSON = {"status": status, "user": user.to_api()}
        if status == "creator":
            data["is_anonymous"] = False
        elif status == "administrator":
            data.update(_ADMIN_RIGHTS)
            data["can_be_edited"] = False
        elif status == "restricted":
            data.update(_RESTRICTED_RIGHTS)
            data["until_date"] = 0
        elif status == "kicked":
            data["until_date"] = 0
        return data

    def _store_document(self, content: bytes, file_name: str, mime_type: str | None) -> JSON:
        self._file_counter += 1
        n = self._file_counter
        meta: JSON = {
            "file_id": "BQACAgUAAxkBAA" + _b64(f"document:{n}"),
            "file_unique_id": "AgAD" + _b64(f"u:{n}"),
            "file_name": file_name,
            "file_size": len(content),
        }
        if mime_type:
            meta["mime_type"] = mime_type
        self.files[meta["file_id"]] = _StoredFile(
            meta["file_id"], meta["file_unique_id"], content, f"documents/file_{n}", document=meta
        )
        return meta

    def _store_photo(self, content: bytes) -> list[JSON]:
        self._file_counter += 1
        n = self._file_counter
        sizes: list[JSON] = []
        for width, height in ((90, 67), (320, 240), (1280, 960)):
            file_id = "AgACAgUAAxkBAA" + _b64(f"photo:{n}:{width}")
            unique = "AQAD" + _b64(f"u:{n}:{width}")
            sizes.append(
                {
                    "file_id": file_id,
                    "file_unique_id": unique,
                    "width": width,
                    "height": height,
                    "file_size": len(content),
                }
            )
        for size in sizes:
            self.files[size["file_id"]] = _StoredFile(
                size["file_id"],
                size["file_unique_id"],
                content,
                f"photos/file_{n}_{size['width']}.jpg",
                sizes,
            )
        return sizes

    # ---- resolving the bot's targets

    def _resolve_chat(self, params: _Params, name: str = "chat_id") -> SimChat:
        raw = params.text(name)
        if raw is None or raw == "":
            raise bad_request(f"{name} is empty")
        chat: SimChat | None = None
        if raw.startswith("@"):
            wanted = raw[1:].lower()
            chat = next(
                (
                    c
                    for c in self.chats.values()
                    if c.is_group and (c.username or "").lower() == wanted
                ),
                None,
            )
        else:
            try:
                chat = self.chats.get(int(raw))
            except ValueError:
                chat = None
        if chat is None:
            raise bad_request("chat not found")
        user = chat.private_with
        # A bot only knows users who wrote to it or share a group with it.
        if user is not None and not user.started_bot and not self._shares_group(user):
            raise bad_request("chat not found")
        return chat

    def _shares_group(self, user: SimUser) -> bool:
        return any(
            c.is_group
            and c.bot_status in ("member", "administrator")
            and c.statuses.get(user.id) in ACTIVE_STATUSES
            for c in self.chats.values()
        )

    def _writable_chat(self, params: _Params) -> SimChat:
        chat = self._resolve_chat(params)
        if chat.migrated_to is not None:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        user = chat.private_with
        if user is not None:
            if user.blocked_bot:
                raise forbidden("bot was blocked by the user")
            if not user.started_bot:
                raise forbidden("bot can't initiate conversation with a user")
            return chat
        kind = "supergroup chat" if chat.type == "supergroup" else "group chat"
        if chat.bot_status == "kicked":
            raise forbidden(f"bot was kicked from the {kind}")
        if chat.bot_status not in ("member", "administrator"):
            raise forbidden(f"bot is not a member of the {kind}")
        return chat

    def _find_message(self, chat: SimChat, message_id: int | None) -> SimMessage | None:
        if message_id is None:
            return None
        message = self._messages[chat.id].get(message_id)
        return None if message is None or message.deleted else message

    def _reply_target(self, chat: SimChat, params: _Params) -> SimMessage | None:
        reply = params.json("reply_parameters", "can't parse reply parameters JSON object")
        allow_missing = params.flag("allow_sending_without_reply")
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow_missing = bool(reply.get("allow_sending_without_reply", allow_missing))
            if "chat_id" in reply:
                chat = self._resolve_chat(_Params({"chat_id": reply["chat_id"]}))
        elif reply is not None:
            raise bad_request("can't parse reply parameters JSON object")
        else:
            message_id = params.integer("reply_to_message_id", "message to be replied not found")
        if message_id is None:
            return None
        target = self._find_message(chat, int(message_id))
        if target is None and not allow_missing:
            raise bad_request("message to be replied not found")
        return target

    def _thread_for(self, chat: SimChat, params: _Params, reply: SimMessage | None) -> int | None:
        thread_id = params.integer("message_thread_id", "message thread not found")
        if chat.is_forum:
            if thread_id is None and reply is not None:
                thread_id = reply.thread_id
            if thread_id is not None and thread_id not in chat.topics:
                raise bad_request("message thread not found")
            return thread_id
        return None

    def _bot_message(self, chat: SimChat, params: _Params) -> SimMessage:
        reply = self._reply_target(chat, params)
        thread_id = self._thread_for(chat, params, reply)
        message = SimMessage(chat, self._allocate_message_id(chat), self.bot, self._date())
        message.thread_id = thread_id
        message.is_topic_message = thread_id is not None
        message.reply_to = reply
        if chat.is_forum and reply is None and thread_id is not None:
            message.reply_to = self._find_message(chat, thread_id)
        return message

    def _record(self, kind: str, message: SimMessage, params: _Params, **extra: Any) -> None:
        explicit_reply = message.reply_to
        if explicit_reply is not None and explicit_reply.message_id == message.thread_id:
            explicit_reply = None
        self.outbox.append(
            SentMessage(
                kind=kind,
                chat_id=message.chat.id,
                message_id=message.message_id,
                text=params.text("text") if message.text is not None else params.text("caption"),
                plain_text=message.content,
                parse_mode=params.text("parse_mode"),
                reply_markup=message.reply_markup,
                reply_to_message_id=explicit_reply.message_id if explicit_reply else None,
                message_thread_id=message.thread_id,
                **extra,
            )
        )

    def _message_for_change(
        self, params: _Params, missing: str, *, allow_inline: bool = True
    ) -> SimMessage:
        if allow_inline and params.has("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self._writable_chat(params)
        message_id = params.integer("message_id", missing)
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = self._find_message(chat, message_id)
        if message is None:
            raise bad_request(missing)
        return message


# --------------------------------------------------------------------------- methods

_MethodHandler = Callable[[TelegramWorld, _Params], Any]
_METHODS: dict[str, _MethodHandler] = {}


def _method(name: str) -> Callable[[_MethodHandler], _MethodHandler]:
    # Telegram matches method names case-insensitively.
    def register(handler: _MethodHandler) -> _MethodHandler:
        _METHODS[name.lower()] = handler
        return handler

    return register


@_method("getMe")
def _get_me(world: TelegramWorld, params: _Params) -> JSON:
    data = world.bot.to_api()
    data.update(
        {
            "can_join_groups": world.can_join_groups,
            "can_read_all_group_messages": world.can_read_all_group_messages,
            "supports_inline_queries": world.supports_inline_queries,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
    )
    return data


@_method("logOut")
@_method("close")
def _log_out(world: TelegramWorld, params: _Params) -> bool:
    return True


@_method("getUpdates")
def _get_updates(world: TelegramWorld, params: _Params) -> list[JSON]:
    return world._get_updates_now(params)


@_method("setWebhook")
def _set_webhook(world: TelegramWorld, params: _Params) -> bool:
    url = params.text("url") or ""
    if url and not url.startswith("https://"):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.text("secret_token")
    if secret is not None and not _WEBHOOK_SECRET.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    connections = params.integer("max_connections", "bad webhook: invalid max_connections")
    allowed = params.json("allowed_updates", "can't parse allowed updates")
    world._webhook_url = url
    world.webhook_secret = secret
    world.webhook_max_connections = min(max(connections or 40, 1), 100)
    if isinstance(allowed, list):
        # As with getUpdates: an empty list restores the default; omitted keeps the last one.
        world._allowed_updates = (frozenset(str(a) for a in allowed) & ALL_UPDATE_TYPES) or None
    if params.flag("drop_pending_updates"):
        world._updates.clear()
    world.webhook_last_error = None
    world.on_updates_changed()
    return True


@_method("deleteWebhook")
def _delete_webhook(world: TelegramWorld, params: _Params) -> bool:
    world._webhook_url = ""
    world.webhook_secret = None
    if params.flag("drop_pending_updates"):
        world._updates.clear()
    world.on_updates_changed()
    return True


@_method("getWebhookInfo")
def _get_webhook_info(world: TelegramWorld, params: _Params) -> JSON:
    info: JSON = {
        "url": world._webhook_url,
        "has_custom_certificate": False,
        "pending_update_count": len(world._updates),
    }
    if world._webhook_url:
        info["max_connections"] = world.webhook_max_connections
        if world._allowed_updates is not None:
            info["allowed_updates"] = sorted(world._allowed_updates)
        if world.webhook_last_error is not None:
            info["last_error_date"] = int(world.webhook_last_error[0])
            info["last_error_message"] = world.webhook_last_error[1]
    return info


# Command lists are kept per (scope, language). Telegram's errors for them, as its Bot API
# server (telegram-bot-api Client.cpp) and TDLib (BotCommand.cpp, BotCommandScope.cpp) word
# them; the first letter of TDLib's message is lower-cased after "Bad Request: ".
_SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_MAX_COMMANDS = 100
_MAX_COMMAND_LENGTH = 32
_MAX_COMMAND_DESCRIPTION = 256
# setMyDescription: 0-512 characters; setMyShortDescription: 0-120 (an empty one removes the
# language's own text). Telegram's wording for an over-long text is the MTProto server's and
# is not documented; the stand-in names the limit.
_MAX_DESCRIPTION = 512
_MAX_SHORT_DESCRIPTION = 120


def _language_code(params: _Params) -> str:
    # Empty, or two lower-case Latin letters (TDLib's is_valid_language_code).
    code = params.text("language_code") or ""
    if code and not re.fullmatch(r"[a-z]{2}", code):
        raise bad_request("invalid language code specified")
    return code


def _command_scope(world: TelegramWorld, params: _Params) -> tuple[str, JSON]:
    """The scope's key in the world's command lists, and the scope as Telegram read it."""
    raw = params.raw.get("scope")
    if raw is None or raw == "":
        return _scope_key(None), {"type": "default"}
    scope = params.json("scope", "can't parse BotCommandScope JSON object")
    if not isinstance(scope, dict):
        raise bad_request("can't parse BotCommandScope: BotCommandScope must be an Object")
    kind = scope.get("type")
    if not isinstance(kind, str):
        raise bad_request('can\'t parse BotCommandScope: Field "type" must be of type String')
    if kind not in _SCOPE_TYPES:
        raise bad_request("can't parse BotCommandScope: Unsupported type specified")
    if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
        return _scope_key({"type": kind}), {"type": kind}
    if "chat_id" not in scope:
        raise bad_request('can\'t parse BotCommandScope: Field "chat_id" must be present')
    if str(scope["chat_id"]) == "":
        raise bad_request("can't parse BotCommandScope: Empty chat_id specified")
    read: JSON = {"type": kind}
    if kind == "chat_member":
        user_id = scope.get("user_id")
        if not isinstance(user_id, int) or isinstance(user_id, bool):
            raise bad_request(
                'can\'t parse BotCommandScope: Field "user_id" must be a valid Number'
            )
        if user_id <= 0:
            raise bad_request("can't parse BotCommandScope: Invalid user_id specified")
        read["user_id"] = user_id
    chat = world._resolve_chat(_Params({"chat_id": scope["chat_id"]}))
    if chat.private_with is not None and kind != "chat":
        raise bad_request("can't use specified scope in private chats")
    read["chat_id"] = chat.id
    return _scope_key(read), read


def _scope_key(scope: Any) -> str:
    if not isinstance(scope, dict):
        return json.dumps({"type": "default"})
    return json.dumps(scope, sort_keys=True)


def _bot_commands(params: _Params) -> list[JSON]:
    """The commands as Telegram checks them: shape, then each one's name and description."""
    raw = params.raw.get("commands")
    if raw is None or raw == "":
        return []  # Telegram reads a missing list as an empty one: the scope's list goes
    commands = params.json("commands", "can't parse commands JSON object")
    if not isinstance(commands, list):
        raise bad_request("expected an Array of BotCommand")
    read: list[JSON] = []
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse BotCommand: expected an Object")
        for field_name in ("command", "description"):
            if not isinstance(command.get(field_name), str):
                raise bad_request(
                    f'can\'t parse BotCommand: Field "{field_name}" must be of type String'
                )
        read.append(command)
    return read


def _checked_commands(commands: list[JSON]) -> list[JSON]:
    cleaned: list[JSON] = []
    for command in commands:
        # TDLib trims both and drops one leading "/", then counts characters.
        name = str(command["command"]).strip()
        name = name.removeprefix("/")
        if not name:
            raise bad_request("command must be non-empty")
        if len(name) > _MAX_COMMAND_LENGTH:
            raise bad_request(f"command length must not exceed {_MAX_COMMAND_LENGTH}")
        description = str(command["description"]).strip()
        if not description:
            raise bad_request("command description must be non-empty")
        if len(description) > _MAX_COMMAND_DESCRIPTION:
            raise bad_request(
                f"command description length must not exceed {_MAX_COMMAND_DESCRIPTION}"
            )
        cleaned.append({"command": name, "description": description})
    # Then Telegram's servers: too many, or a name not of a-z, 0-9 and _.
    if len(cleaned) > _MAX_COMMANDS:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    if any(not _COMMAND_NAME.fullmatch(c["command"]) for c in cleaned):
        raise bad_request("BOT_COMMAND_INVALID")
    return cleaned


@_method("setMyCommands")
def _set_my_commands(world: TelegramWorld, params: _Params) -> bool:
    commands = _bot_commands(params)
    scope, _ = _command_scope(world, params)
    language = _language_code(params)
    cleaned = _checked_commands(commands)
    if cleaned:
        world._commands[(scope, language)] = cleaned
    else:
        world._commands.pop((scope, language), None)  # an empty list resets the scope
    world.menu_calls.append(("setMyCommands", scope, language))
    return True


@_method("getMyCommands")
def _get_my_commands(world: TelegramWorld, params: _Params) -> list[JSON]:
    # Exactly the list set for this scope and language: no fallback to a wider one.
    scope, _ = _command_scope(world, params)
    return world.commands_at(scope, _language_code(params))


@_method("deleteMyCommands")
def _delete_my_commands(world: TelegramWorld, params: _Params) -> bool:
    scope, _ = _command_scope(world, params)
    language = _language_code(params)
    world._commands.pop((scope, language), None)
    world.menu_calls.append(("deleteMyCommands", scope, language))
    return True


def _profile_text(params: _Params, name: str, limit: int, what: str) -> str:
    text = params.text(name) or ""
    if len(text) > limit:
        raise bad_request(f"{what} is too long (at most {limit} characters)")
    return text


@_method("setMyDescription")
def _set_my_description(world: TelegramWorld, params: _Params) -> bool:
    text = _profile_text(params, "description", _MAX_DESCRIPTION, "description")
    language = _language_code(params)
    world._set_profile_text(world._descriptions, language, text)
    world.menu_calls.append(("setMyDescription", "", language))
    return True


@_method("getMyDescription")
def _get_my_description(world: TelegramWorld, params: _Params) -> JSON:
    return {"description": world._descriptions.get(_language_code(params), "")}


@_method("setMyShortDescription")
def _set_my_short_description(world: TelegramWorld, params: _Params) -> bool:
    text = _profile_text(params, "short_description", _MAX_SHORT_DESCRIPTION, "short description")
    language = _language_code(params)
    world._set_profile_text(world._short_descriptions, language, text)
    world.menu_calls.append(("setMyShortDescription", "", language))
    return True


@_method("getMyShortDescription")
def _get_my_short_description(world: TelegramWorld, params: _Params) -> JSON:
    return {"short_description": world._short_descriptions.get(_language_code(params), "")}


def _reply_markup(params: _Params) -> JSON | None:
    """Validate reply_markup; return the inline keyboard to store on the message, if any."""
    markup = params.json("reply_markup", "can't parse reply keyboard markup JSON object")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        if not {"keyboard", "remove_keyboard", "force_reply"} & markup.keys():
            raise bad_request("can't parse reply keyboard markup JSON object")
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
        )
    for row in rows:
        for button in row:
            _check_inline_button(button)
    return {"inline_keyboard": [[dict(b) for b in row] for row in rows]}


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    actions = [a for a in INLINE_BUTTON_ACTIONS if a in button]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        # 1-64 bytes of UTF-8: a Chinese character costs three.
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not re.match(r"(https?|tg)://[^\s/$.?#][^\s]*$", url):
            raise bad_request("BUTTON_URL_INVALID")


def _formatted(
    params: _Params, text_name: str, entities_name: str
) -> tuple[str | None, list[JSON]]:
    raw = params.text(text_name)
    if raw is None:
        return None, []
    entities = params.json(entities_name, "can't parse entities JSON object")
    return parse_formatted(raw, params.text("parse_mode"), entities)


@_method("sendMessage")
def _send_message(world: TelegramWorld, params: _Params) -> JSON:
    chat = world._writable_chat(params)
    world._throttle(chat)
    text, entities = _formatted(params, "text", "entities")
    if not text:
        raise bad_request("message text is empty")
    # The limit applies after entity parsing, in UTF-16 code units.
    if utf16_len(text) > MAX_MESSAGE_LENGTH:
        raise bad_request("message is too long")
    markup = _reply_markup(params)
    message = world._bot_message(chat, params)
    message.text, message.entities, message.reply_markup = text, entities, markup
    world._store(message)
    world._record("send", message, params)
    return message.to_api()


def _photo_sizes(world: TelegramWorld, photo: Any) -> list[JSON]:
    if isinstance(photo, UploadedFile):
        if not photo.content:
            raise bad_request("file must be non-empty")
        return world._store_photo(photo.content)
    if isinstance(photo, str):
        stored = world.files.get(photo)
        if stored is not None and stored.sizes is not None:
            return stored.sizes
        if photo.startswith(("http://", "https://")):
            return world._store_photo(f"downloaded from {photo}".encode())
    raise bad_request("wrong file identifier/HTTP URL specified")


@_method("sendPhoto")
def _send_photo(world: TelegramWorld, params: _Params) -> JSON:
    chat = world._writable_chat(params)
    world._throttle(chat)
    photo = params.raw.get("photo")
    if photo is None or photo == "":
        raise bad_request("there is no photo in the request")
    caption, entities = _formatted(params, "caption", "caption_entities")
    if caption is not None and utf16_len(caption) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")
    markup = _reply_markup(params)
    sizes = _photo_sizes(world, photo)
    message = world._bot_message(chat, params)
    message.photo, message.reply_markup = sizes, markup
    if caption:
        message.caption, message.caption_entities = caption, entities
    world._store(message)
    world._record("send", message, params, photo=sizes[-1]["file_id"])
    return message.to_api()


def _document(world: TelegramWorld, document: Any) -> JSON:
    if isinstance(document, UploadedFile):
        if not document.content:
            raise bad_request("file must be non-empty")
        return world._store_document(document.content, document.filename, document.mime_type)
    if isinstance(document, str):
        stored = world.files.get(document)
        if stored is not None and stored.document is not None:
            return stored.document
        if document.startswith(("http://", "https://")):
            name = document.rsplit("/", 1)[-1] or "file"
            return world._store_document(f"downloaded from {document}".encode(), name, None)
    raise bad_request("wrong file identifier/HTTP URL specified")


@_method("sendDocument")
def _send_document(world: TelegramWorld, params: _Params) -> JSON:
    chat = world._writable_chat(params)
    world._throttle(chat)
    document = params.raw.get("document")
    if document is None or document == "":
        raise bad_request("there is no document in the request")
    caption, entities = _formatted(params, "caption", "caption_entities")
    if caption is not None and utf16_len(caption) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")
    markup = _reply_markup(params)
    meta = _document(world, document)
    message = world._bot_message(chat, params)
    message.document, message.reply_markup = meta, markup
    if caption:
        message.caption, message.caption_entities = caption, entities
    world._store(message)
    world._record("send", message, params, document=meta["file_id"])
    return message.to_api()


@_method("getFile")
def _get_file(world: TelegramWorld, params: _Params) -> JSON:
    stored = world.files.get(params.text("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.content),
        "file_path": stored.file_path,
    }


def _editable(world: TelegramWorld, params: _Params) -> SimMessage:
    message = world._message_for_change(params, "message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return message


def _finish_edit(world: TelegramWorld, message: SimMessage, params: _Params) -> JSON:
    message.edit_date = world._date()
    world._record("edit", message, params)
    return message.to_api()


@_method("editMessageText")
def _edit_message_text(world: TelegramWorld, params: _Params) -> JSON:
    message = _editable(world, params)
    text, entities = _formatted(params, "text", "entities")
    if not text:
        raise bad_request("message text is empty")
    if utf16_len(text) > MAX_MESSAGE_LENGTH:
        raise bad_request("MESSAGE_TOO_LONG")
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    # Leaving reply_markup out removes the keyboard, exactly like Telegram.
    markup = _reply_markup(params)
    if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    message.text, message.entities, message.reply_markup = text, entities, markup
    return _finish_edit(world, message, params)


@_method("editMessageCaption")
def _edit_message_caption(world: TelegramWorld, params: _Params) -> JSON:
    message = _editable(world, params)
    if message.photo is None:
        raise bad_request("there is no caption in the message to edit")
    caption, entities = _formatted(params, "caption", "caption_entities")
    if caption is not None and utf16_len(caption) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")
    markup = _reply_markup(params)
    current = (message.caption, message.caption_entities, message.reply_markup)
    if (caption or None, entities, markup) == current:
        raise bad_request(NOT_MODIFIED)
    message.caption, message.caption_entities = caption or None, entities
    message.reply_markup = markup
    return _finish_edit(world, message, params)


@_method("editMessageReplyMarkup")
def _edit_message_reply_markup(world: TelegramWorld, params: _Params) -> JSON:
    message = _editable(world, params)
    markup = _reply_markup(params)
    if markup == message.reply_markup:
        raise bad_request(NOT_MODIFIED)
    message.reply_markup = markup
    return _finish_edit(world, message, params)


@_method("deleteMessage")
def _delete_message(world: TelegramWorld, params: _Params) -> bool:
    message = world._message_for_change(params, "message to delete not found", allow_inline=False)
    chat = message.chat
    is_admin = chat.bot_status == "administrator"
    young = world.now() - message.date < DELETE_WINDOW
    # In groups only admins may delete others' messages; in private chats both sides may.
    allowed = (is_admin or (message.from_bot and young)) if chat.is_group else young
    if not allowed:
        raise bad_request("message can't be deleted")
    message.deleted = True
    if message.message_id in chat.pinned:
        chat.pinned.remove(message.message_id)
    world.outbox.append(SentMessage("delete", chat.id, message.message_id))
    return True


@_method("deleteMessages")
def _delete_messages(world: TelegramWorld, params: _Params) -> bool:
    ids = params.json("message_ids", "can't parse message identifiers JSON object")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise bad_request("message identifiers are not specified")
    # Telegram skips messages that are gone or not deletable instead of failing the batch.
    for message_id in ids:
        single = _Params({"chat_id": params.raw.get("chat_id"), "message_id": message_id})
        try:
            _delete_message(world, single)
        except ApiError as error:
            if error.code != 400:
                raise
    return True


@_method("setMyName")
@_method("setChatMenuButton")
@_method("setMyDefaultAdministratorRights")
def _accept_bot_profile_change(world: TelegramWorld, params: _Params) -> bool:
    # Profile settings change nothing residents see in chats; accepting them is enough.
    return True


@_method("setMessageReaction")
def _set_message_reaction(world: TelegramWorld, params: _Params) -> bool:
    message = world._message_for_change(params, "MESSAGE_ID_INVALID", allow_inline=False)
    reaction = params.json("reaction", "can't parse reaction types JSON object") or []
    if not isinstance(reaction, list):
        raise bad_request("can't parse reaction types JSON object")
    emojis: list[str] = []
    for item in reaction:
        if not isinstance(item, dict) or item.get("type") != "emoji":
            raise bad_request("REACTION_INVALID")
        if item.get("emoji") not in ALLOWED_REACTIONS:
            raise bad_request("REACTION_INVALID")
        emojis.append(item["emoji"])
    # Bots, like non-premium users, get one reaction per message.
    if len(emojis) > 1:
        raise bad_request("REACTIONS_TOO_MANY")
    message.reactions = [{"type": "emoji", "emoji": e} for e in emojis]
    world.outbox.append(
        SentMessage(
            "reaction",
            message.chat.id,
            message.message_id,
            reaction=tuple(emojis),
        )
    )
    return True


@_method("answerCallbackQuery")
def _answer_callback_query(world: TelegramWorld, params: _Params) -> bool:
    query = world._callback_queries.get(params.text("callback_query_id") or "")
    if query is None or query.answered:
        raise bad_request(CALLBACK_TOO_OLD)
    if world.now() - query.created_at > CALLBACK_ANSWER_WINDOW:
        raise bad_request(CALLBACK_TOO_OLD)
    text = params.text("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answered = True
    world.outbox.append(
        SentMessage(
            "answer_callback",
            query.message.chat.id,
            query.message.message_id,
            text=text,
            plain_text=text,
            callback_query_id=query.query_id,
            show_alert=params.flag("show_alert"),
        )
    )
    return True


def _pin_rights(world: TelegramWorld, chat: SimChat) -> None:
    if chat.type == "supergroup" and chat.bot_status != "administrator":
        raise bad_request("not enough rights to manage pinned messages in the chat")


@_method("pinChatMessage")
def _pin_chat_message(world: TelegramWorld, params: _Params) -> bool:
    chat = world._writable_chat(params)
    _pin_rights(world, chat)
    message = world._find_message(chat, params.integer("message_id", "message to pin not found"))
    if message is None:
        raise bad_request("message to pin not found")
    if message.message_id in chat.pinned:
        chat.pinned.remove(message.message_id)
    chat.pinned.append(message.message_id)
    world._post_service(chat, world.bot, {"pinned_message": message.to_api(with_reply=False)})
    world.outbox.append(SentMessage("pin", chat.id, message.message_id))
    return True


@_method("unpinChatMessage")
def _unpin_chat_message(world: TelegramWorld, params: _Params) -> bool:
    chat = world._writable_chat(params)
    _pin_rights(world, chat)
    message_id = params.integer("message_id", "message to unpin not found")
    if message_id is None:
        if not chat.pinned:
            raise bad_request("message to unpin not found")
        message_id = chat.pinned[-1]
    if message_id not in chat.pinned:
        raise bad_request("message to unpin not found")
    chat.pinned.remove(message_id)
    world.outbox.append(SentMessage("unpin", chat.id, message_id))
    return True


@_method("getChat")
def _get_chat(world: TelegramWorld, params: _Params) -> JSON:
    chat = world._resolve_chat(params)
    data = chat.to_api()
    data.update(
        {
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }
    )
    if chat.pinned:
        pinned = world._find_message(chat, chat.pinned[-1])
        if pinned is not None:
            data["pinned_message"] = pinned.to_api(with_reply=False)
    return data


def _member_status(world: TelegramWorld, chat: SimChat, user: SimUser) -> str:
    if user is world.bot:
        return chat.bot_status if chat.is_group else "member"
    if chat.private_with is not None:
        return "member" if chat.private_with is user else "left"
    return chat.statuses.get(user.id, "left")


@_method("getChatMember")
def _get_chat_member(world: TelegramWorld, params: _Params) -> JSON:
    chat = world._resolve_chat(params)
    user_id = params.integer("user_id", "invalid user_id specified")
    if user_id is None:
        raise bad_request("user_id is empty")
    user = world.bot if user_id == world.bot.id else world.users.get(user_id)
    if user is None:
        raise bad_request("user not found")
    return world._chat_member(chat, user, _member_status(world, chat, user))


@_method("getChatAdministrators")
def _get_chat_administrators(world: TelegramWorld, params: _Params) -> list[JSON]:
    chat = world._resolve_chat(params)
    if not chat.is_group:
        raise bad_request("there are no administrators in the private chat")
    admins = [
        world._chat_member(chat, world.users[uid], status)
        for uid, status in chat.statuses.items()
        if status in ("creator", "administrator")
    ]
    if chat.bot_status == "administrator":
        admins.append(world._chat_member(chat, world.bot, "administrator"))
    return admins


@_method("getChatMemberCount")
def _get_chat_member_count(world: TelegramWorld, params: _Params) -> int:
    chat = world._resolve_chat(params)
    if not chat.is_group:
        return 2
    bot = 1 if chat.bot_status in ("member", "administrator") else 0
    return bot + sum(1 for s in chat.statuses.values() if s in ACTIVE_STATUSES)


@_method("sendChatAction")
def _send_chat_action(world: TelegramWorld, params: _Params) -> bool:
    chat = world._writable_chat(params)
    action = params.text("action") or ""
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    world.chat_actions.append((chat.id, action))
    return True


@_method("leaveChat")
def _leave_chat(world: TelegramWorld, params: _Params) -> bool:
    chat = world._resolve_chat(params)
    if not chat.is_group:
        raise bad_request("chat member status can't be changed in private chats")
    if chat.bot_status not in ("member", "administrator"):
        raise forbidden(f"bot is not a member of the {chat.type} chat")
    old = chat.bot_status
    chat.bot_status = "left"
    world._chat_member_update("my_chat_member", chat, world.bot, world.bot, old, "left")
    return True


_ADMIN_RIGHTS: JSON = {
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
}
_RESTRICTED_RIGHTS: JSON = {
    "is_member": True,
    "can_send_messages": False,
    "can_send_audios": False,
    "can_send_documents": False,
    "can_send_photos": False,
    "can_send_videos": False,
    "can_send_video_notes": False,
    "can_send_voice_notes": False,
    "can_send_polls": False,
    "can_send_other_messages": False,
    "can_add_web_page_previews": False,
    "can_change_info": False,
    "can_invite_users": False,
    "can_pin_messages": False,
    "can_manage_topics": False,
    # Newer Bot API fields: python-telegram-bot 22.8 cannot read a restricted member without.
    "can_edit_tag": False,
    "can_react_to_messages": False,
}


def _wait_for_slot(log: deque[float], now: float, window: float, limit: int) -> int:
    recent = [t for t in log if t > now - window]
    if len(recent) < limit:
        return 0
    return max(1, math.ceil(recent[-limit] + window - now))


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _slice16(text: str, offset: int, length: int) -> str:
    encoded = text.encode("utf-16-le")
    return encoded[offset * 2 : (offset + length) * 2].decode("utf-16-le")


def supported_methods() -> Sequence[str]:
    """Lower-cased names of the Bot API methods the world implements."""
    return sorted(_METHODS)


# sendPoll and stopPoll register themselves with _method.
from bot.telegram_sim import polls as _polls  # noqa: E402

del _polls
