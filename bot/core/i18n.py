"""Message texts in Chinese and English, from the shipped data file, and who reads which.

A reader's *setting* is what `say` takes: "zh", "en", "zh+en" (groups), or a traditional
Chinese variant, "zh-hk" or "zh-tw", made from the simplified texts by OpenCC at render time.
`reader_language` is the one place a resident's setting is decided.
"""

from __future__ import annotations

import html
import re
import tomllib
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal, Protocol

import opencc

Lang = Literal["zh", "en"]
_DATA = Path(__file__).parent / "data"
# What a resident can choose with /lang (and the settings `reader_language` returns).
CHOICES: tuple[str, ...] = ("zh", "zh-hk", "zh-tw", "en")
# Hong Kong: OpenCC's s2hk (characters as Hong Kong writes them: 裏, 着, 羣). Taiwan: s2twp,
# not s2tw, because s2twp also swaps mainland words for Taiwan's (信息→資訊, 打印→列印,
# 软件→軟體): a resident in Taipei reads her own usage, not a transliteration of Beijing's.
_OPENCC = {"zh-hk": "s2hk", "zh-tw": "s2twp"}


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


class Quoted(str):
    """A resident's own words inside a language-dependent value: never converted to another
    script (an item "布洛芬" someone wrote stays as they wrote it)."""


@cache
def _converter(config: str) -> opencc.OpenCC:
    # OpenCC builds its dictionaries on construction: once per variant per process.
    return opencc.OpenCC(config)


# OpenCC reads "7天后" as the goddess 天后 (Tin Hau) and leaves 后; after a number it is 後.
_DAYS_AFTER = re.compile(r"(\d\s*)天后")


@lru_cache(maxsize=8192)
def convert(value: str, variant: str) -> str:
    """Simplified Chinese as a variant ("zh-hk", "zh-tw") writes it; other variants as is."""
    config = _OPENCC.get(variant)
    if config is None:
        return value
    return _DAYS_AFTER.sub(r"\1天後", _converter(config).convert(value))


def languages(setting: str) -> tuple[Lang, ...]:
    """The languages a group or person reads: 'zh', 'en' or both ('zh+en'); a traditional
    variant reads 'zh' (converted when said)."""
    return tuple(base_language(reading) for reading in readings(setting))


def readings(setting: str) -> tuple[str, ...]:
    """Each paragraph a reader reads: 'zh', 'zh-hk', 'zh-tw' or 'en'."""
    if setting == "zh+en":
        return ("zh", "en")
    if setting in _OPENCC or setting == "en":
        return (setting,)
    return ("zh",)


def base_language(reading: str) -> Lang:
    """The texts a reading is made from: 'en', or 'zh' for every Chinese variant."""
    return "en" if reading == "en" else "zh"


@cache
def _template(reading: str, key: str) -> str:
    # Converted once per key and variant; placeholders and HTML tags are ASCII, which
    # OpenCC leaves alone.
    return convert(_texts()[base_language(reading)][key], reading)


def text(lang: str, key: str, **params: Any) -> str:
    """One text in one reading ('zh', 'en', or a variant such as 'zh-hk')."""
    return _template(lang, key).format(**params)


def say(setting: str, key: str, **params: Any) -> str:
    """A text in every language the reader reads, one paragraph each.

    Params may be callables taking the language ('zh' or 'en'), for values that are
    themselves language-dependent (an item's catalogue name); for a traditional reader
    their result is converted too, unless it is Quoted. Plain params (a resident's words, a
    building's name) are never converted. Texts are HTML: params are escaped unless they
    are Markup, since residents' words must never break the markup.
    """
    parts = []
    for reading in readings(setting):
        lang = base_language(reading)
        resolved = {k: _safe(_value(v, lang, reading)) for k, v in params.items()}
        parts.append(text(reading, key, **resolved))
    return "\n".join(parts)


def _value(value: Any, lang: Lang, reading: str) -> Any:
    if not callable(value):
        return value
    shown = value(lang)
    if isinstance(shown, str) and not isinstance(shown, Quoted):
        converted = convert(shown, reading)
        return Markup(converted) if isinstance(shown, Markup) else converted
    return shown


class Reader(Protocol):
    """What decides a resident's language: their choice, their writing, their app."""

    @property
    def language_code(self) -> str | None: ...
    @property
    def language(self) -> str | None: ...
    @property
    def script(self) -> str | None: ...


def reader_language(reader: Reader | None, fallback: str) -> str:
    """The setting a resident is addressed in privately. The one place this is decided:

    1. their choice (/lang, /start), whatever their app's language;
    2. traditional Chinese in their last Chinese message ('hk'/'tw' when the characters
       tell, else the region of their app's language, else Hong Kong);
    3. Telegram's language_code (zh-hk/zh-mo, zh-tw, zh-hant: traditional);
    4. the group's (or the bot's) language.
    """
    if reader is None:
        return fallback
    if reader.language in CHOICES:
        return reader.language
    code = (reader.language_code or "").lower()
    region = _region(code)
    if reader.script in ("hk", "tw"):
        return f"zh-{reader.script}"
    if reader.script == "hant":
        return region or "zh-hk"
    if code.startswith("zh"):
        return region or ("zh-hk" if "hant" in code else "zh")
    if code.startswith("en"):
        return "en"
    return fallback


def writer_language(reader: Reader | None, text: str, fallback: str) -> str:
    """The setting to answer a message in: the resident's choice, else the language the
    message was written in (in their Chinese script), else `reader_language`."""
    if reader is not None and reader.language in CHOICES:
        return reader.language
    written = language_of_text(text)
    if written == "zh":
        script = script_of_text(text)
        if script in ("hk", "tw"):
            return f"zh-{script}"
        setting = reader_language(reader, "zh")
        if script == "hant":
            return setting if setting in _OPENCC else "zh-hk"
        return setting if setting.startswith("zh") else "zh"
    return written or reader_language(reader, fallback)


def _region(code: str) -> str | None:
    if not code.startswith("zh"):
        return None
    if "hk" in code or "mo" in code:
        return "zh-hk"
    if "tw" in code:
        return "zh-tw"
    return None


def script_of_text(text: str) -> str | None:
    """How a resident writes Chinese: 'hans' (simplified), 'hant' (traditional, region
    unknown), 'hk' or 'tw' (traditional with that region's characters: 裏/着 vs 裡/著), or
    None when the text has no Chinese, or none that differs between the scripts.

    A round trip through OpenCC: text that simplifies to something else, and that the
    simplified form turns back into, is traditional.
    """
    han = "".join(ch for ch in text if "\u4e00" <= ch <= "\u9fff")
    if not han:
        return None
    simplified = _converter("t2s").convert(han)
    if simplified == han:
        # Nothing to simplify: simplified, unless every character is one both scripts share.
        return "hans" if _converter("s2t").convert(han) != han else None
    hk = sum(a == b for a, b in zip(convert(simplified, "zh-hk"), han, strict=False))
    tw = sum(a == b for a, b in zip(_converter("s2tw").convert(simplified), han, strict=False))
    if hk > tw:
        return "hk"
    if tw > hk:
        return "tw"
    return "hant"


def language_of_text(text: str) -> str | None:
    """The language a resident wrote in: 'zh' for Chinese characters, 'en' for Latin letters
    only, None when the text says neither (emoji, numbers)."""
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return "zh"
    if any(ch.isascii() and ch.isalpha() for ch in text):
        return "en"
    return None
