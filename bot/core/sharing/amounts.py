"""An amount as the reader reads it: "×2盒" in Chinese, "×2 boxes" in English, whichever
language the resident wrote the unit in (the table is bot/core/data/units.toml)."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from functools import cache
from pathlib import Path

_UNITS = Path(__file__).resolve().parents[1] / "data" / "units.toml"
# English plurals the table needs that adding "s" gets wrong.
_PLURAL = {"box": "boxes", "patch": "patches", "bunch": "bunches", "loaf": "loaves"}


@cache
def _table() -> dict[str, dict[str, str]]:
    with _UNITS.open("rb") as fh:
        return tomllib.load(fh)


def _is_chinese(unit: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in unit)


def unit_in(unit: str | None, n: float, lang: str) -> str:
    """The unit as the reader's language writes it after the number ("盒", " boxes", "")."""
    if not unit:
        return ""
    if lang == "en":
        word = _table()["zh_to_en"].get(unit, unit) if _is_chinese(unit) else unit.lower()
        if not word or _is_chinese(word):
            return word  # a measure English has no word for: the bare count; unknown: as written
        if n != 1:
            word = _PLURAL.get(word, word if word.endswith("s") else word + "s")
        return f" {word}"
    if _is_chinese(unit):
        return unit
    return _table()["en_to_zh"].get(unit.lower(), f" {unit}")


def format_amount(n: float | None, unit: str | None, lang: str | None = None) -> str:
    """' ×2盒' for stated amounts, '' when none was stated; with `lang`, the unit in that
    language (' ×2 boxes'), else as the resident wrote it."""
    if n is None:
        return ""
    number = str(int(n)) if float(n).is_integer() else f"{n:g}"
    if lang is None:
        return f" ×{number}{unit or ''}"
    return f" ×{number}{unit_in(unit, n, lang)}"


def said_amount(n: float | None, unit: str | None) -> Callable[[str], str]:
    """`format_amount` for a text param: said in each language of the reader."""
    return lambda lang: format_amount(n, unit, lang)
