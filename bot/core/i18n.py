"""Message texts in Chinese and English, from the shipped data file."""

from __future__ import annotations

import html
import tomllib
from functools import cache
from pathlib import Path
from typing import Any, Literal

Lang = Literal["zh", "en"]
_DATA = Path(__file__).parent / "data"


@cache
def _texts() -> dict[str, dict[str, str]]:
    # One file per concern (texts.toml, texts_events.toml, …), merged; a key defined twice
    # or missing in one language is a packaging bug, caught at first use and by the tests.
    merged: dict[str, dict[str, str]] = {"zh": {}, "en": {}}
    for path in sorted(_DATA.glob("texts*.toml")):
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        missing = set(data.get("zh", {})) ^ set(data.get("en", {}))
        if missing:
            raise RuntimeError(f"{path.name}: keys missing in one language: {sorted(missing)}")
        for lang in ("zh", "en"):
            twice = set(merged[lang]) & set(data.get(lang, {}))
            if twice:
                raise RuntimeError(f"{path.name}: keys already defined: {sorted(twice)}")
            merged[lang].update(data.get(lang, {}))
    return merged


class Markup(str):
    """Text that is already safe HTML (a link built by the bot); `say` won't escape it."""


def _safe(value: Any) -> Any:
    if isinstance(value, str) and not isinstance(value, Markup):
        return html.escape(value, quote=False)
    return value


def languages(setting: str) -> tuple[Lang, ...]:
    """The languages a group or person reads: 'zh', 'en' or both ('zh+en')."""
    if setting == "zh+en":
        return ("zh", "en")
    return ("en",) if setting == "en" else ("zh",)


def text(lang: Lang, key: str, **params: Any) -> str:
    """One text in one language."""
    return _texts()[lang][key].format(**params)


def say(setting: str, key: str, **params: Any) -> str:
    """A text in every language the reader reads, one paragraph each.

    Params may be callables taking the language, for values that are themselves
    language-dependent (an item's display name). Texts are HTML: params are escaped
    unless they are Markup, since residents' words must never break the markup.
    """
    parts = []
    for lang in languages(setting):
        resolved = {k: _safe(v(lang) if callable(v) else v) for k, v in params.items()}
        parts.append(text(lang, key, **resolved))
    return "\n".join(parts)


def person_language(language_code: str | None, fallback: str) -> str:
    """A resident's reading language: from Telegram's language_code, else the group's."""
    code = (language_code or "").lower()
    if code.startswith("zh"):
        return "zh"
    if code.startswith("en"):
        return "en"
    return fallback


def language_of_text(text: str) -> str | None:
    """The language a resident wrote in: 'zh' for Chinese characters, 'en' for Latin letters
    only, None when the text says neither (emoji, numbers)."""
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return "zh"
    if any(ch.isascii() and ch.isalpha() for ch in text):
        return "en"
    return None
