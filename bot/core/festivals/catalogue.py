"""Festival names and the 24 solar terms, loaded once from the TOML files in data/."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

Calendar = Literal["lunar", "solar"]


@dataclass(frozen=True)
class Festival:
    """A named festival on a fixed lunar or solar month/day (day -1 = last day of the month)."""

    key: str
    zh: str
    en: str
    calendar: Calendar
    month: int
    day: int


@dataclass(frozen=True)
class SolarTermName:
    """One of the 24 solar terms; `zh` is lunar-python's key for it."""

    zh: str
    en: str


_FOLD = re.compile(r"[\s\-_'’]+")


def fold_name(text: str) -> str:
    """Fold a name for alias lookup: lower case, no spaces, hyphens or apostrophes."""
    return _FOLD.sub("", text.strip().lower())


def _load(name: str) -> dict[str, Any]:
    raw = resources.files("bot.core.festivals.data").joinpath(name).read_text(encoding="utf-8")
    return tomllib.loads(raw)


def _index(entries: list[tuple[list[str], object]], what: str) -> dict[str, Any]:
    # An alias that points at two different things would make parsing depend on file
    # order, so refuse it at load time instead.
    index: dict[str, Any] = {}
    for aliases, value in entries:
        for alias in aliases:
            key = fold_name(alias)
            if key in index and index[key] != value:
                raise ValueError(f"{what} alias {alias!r} is ambiguous")
            index[key] = value
    return index


@cache
def festivals() -> dict[str, Festival]:
    """Every festival alias (folded) -> Festival."""
    entries: list[tuple[list[str], object]] = []
    for row in _load("festivals.toml")["festival"]:
        fest = Festival(
            key=row["key"],
            zh=row["zh"],
            en=row["en"],
            calendar=row["calendar"],
            month=row["month"],
            day=row["day"],
        )
        entries.append(([fest.key, fest.zh, fest.en, *row["aliases"]], fest))
    return _index(entries, "festival")


@cache
def solar_terms() -> dict[str, SolarTermName]:
    """Every solar-term alias (folded) -> SolarTermName, including the Chinese name itself."""
    entries: list[tuple[list[str], object]] = []
    for row in _load("solar_terms.toml")["term"]:
        term = SolarTermName(zh=row["zh"], en=row["en"])
        entries.append(([term.zh, term.en, *row["aliases"]], term))
    index = _index(entries, "solar term")
    if len({t.zh for t in index.values()}) != 24:
        raise ValueError("solar_terms.toml must list exactly 24 terms")
    return index


def find_festival(text: str) -> Festival | None:
    """The festival a name refers to ("中秋", "Mid-Autumn Festival"), if any."""
    return _lookup(festivals(), text)


def find_solar_term(text: str) -> SolarTermName | None:
    """The solar term a name refers to ("清明", "qingming", "winter solstice"), if any."""
    return _lookup(solar_terms(), text)


def _lookup(index: dict[str, Any], text: str) -> Any:
    key = fold_name(text)
    if key in index:
        return index[key]
    # "重阳节" / "laba festival" / "tomb-sweeping day": try without the generic suffix.
    for suffix in ("节", "festival", "day"):
        if key.endswith(suffix) and key[: -len(suffix)] in index:
            return index[key[: -len(suffix)]]
    return None
