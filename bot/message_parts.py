"""Messages cut to Telegram's size limits without breaking their markup.

Telegram takes at most 4,096 characters of text and 1,024 of a photo's caption (after the
HTML is parsed, in UTF-16 code units). Slicing the HTML at the limit leaves an open tag,
which Telegram refuses with a 400, so a long /mine or digest was dropped whole. Here a long
text is split between lines (each entry of a listing is one line, its tags closed on it),
paragraphs first; a single line longer than a message goes as plain text in pieces.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace

from bot.effects import EditMessage, Effect, SendMessage

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
# What an edit that cannot be split ends with when it is cut short.
CUT_MARK = "\n…"
_TAG = re.compile(r"<[^>]*>")


def units(text: str) -> int:
    """Length in UTF-16 code units, Telegram's unit. The HTML is never shorter than the
    text Telegram counts, so measuring it keeps every part within the limit."""
    return len(text.encode("utf-16-le")) // 2


def plain_text(markup: str) -> str:
    """The text a reader sees, without markup (for a message Telegram's parser refused)."""
    return html.unescape(_TAG.sub("", markup))


def split_html(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """`text` in parts of at most `limit`, cut between paragraphs, else between lines."""
    if units(text) <= limit:
        return [text]
    parts: list[str] = []
    for paragraph in _packed(text.split("\n\n"), "\n\n", limit):
        if units(paragraph) <= limit:
            parts.append(paragraph)
            continue
        for block in _packed(paragraph.split("\n"), "\n", limit):
            parts.extend([block] if units(block) <= limit else _plain_pieces(block, limit))
    return [p for p in parts if p.strip()] or [text[:0]]


def _packed(pieces: list[str], glue: str, limit: int) -> list[str]:
    """Consecutive pieces joined while they fit; a piece too long alone stays alone."""
    packed: list[str] = []
    for piece in pieces:
        if packed and units(packed[-1]) + units(glue) + units(piece) <= limit:
            packed[-1] += glue + piece
        else:
            packed.append(piece)
    return packed


def _plain_pieces(line: str, limit: int) -> list[str]:
    """One over-long line as escaped plain text in pieces: a cut inside a tag or an `&amp;`
    would break the markup, so the markup goes and each piece is escaped after cutting."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for char in plain_text(line):
        cost = units(html.escape(char, quote=False))
        if size + cost > limit:
            pieces.append(html.escape("".join(current), quote=False))
            current, size = [], 0
        current.append(char)
        size += cost
    if current:
        pieces.append(html.escape("".join(current), quote=False))
    return pieces


def fit(effect: Effect) -> list[Effect]:
    """The effect as calls Telegram accepts: a long message as several, in order (the
    first keeps the reply, the last the buttons); a long edit cut between lines."""
    if isinstance(effect, EditMessage):
        if effect.text is None or units(effect.text) <= TEXT_LIMIT:
            return [effect]
        first = split_html(effect.text, TEXT_LIMIT - units(CUT_MARK))[0]
        return [replace(effect, text=first + CUT_MARK)]
    if not isinstance(effect, SendMessage):
        return [effect]
    if effect.photo:
        if units(effect.text) <= CAPTION_LIMIT:
            return [effect]
        caption, *more = split_html(effect.text, CAPTION_LIMIT)
        rest = "\n".join(more)
        head = replace(effect, text=caption, buttons=())
        tail = [replace(effect, text=t, photo=None, reply_to=None) for t in split_html(rest)]
    else:
        if units(effect.text) <= TEXT_LIMIT:
            return [effect]
        texts = split_html(effect.text)
        head = replace(effect, text=texts[0], buttons=())
        tail = [replace(effect, text=t, reply_to=None) for t in texts[1:]]
    if not tail:
        return [replace(head, buttons=effect.buttons)]
    middle = [replace(part, buttons=()) for part in tail[:-1]]
    return [head, *middle, tail[-1]]
