"""The item catalogue: names in every language, categories above them, and match keys.

Shipped data lives in `data/*.toml`; admins extend it with `[[catalogue.items]]` in
config.toml. The lexicon is validated once at load, never per message.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.core.understanding.alias_index import NOT_AN_ITEM, AliasHit, AliasIndex
from bot.core.understanding.model import ParsedItem
from bot.core.understanding.normalise import compact, fold, fold_text
from bot.core.understanding.unknown_items import clean_item_name

DATA_DIR = Path(__file__).with_name("data")
MEDICINE = "medicine"
_KEY = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")
_MIN_FUZZY = 2
_ASCII_WORD = re.compile(r"[a-z][a-z'-]{4,}")


class CatalogueAddition(BaseModel):
    """One catalogue entry: a shipped data row or an admin's `[[catalogue.items]]`."""

    model_config = ConfigDict(extra="forbid")

    key: str
    zh: str | None = None
    en: str | None = None
    aliases: list[str] = []
    category: str | None = None
    restricted: bool = False
    # Categories an offer of this item also satisfies although it is not filed under them:
    # the same active ingredient serves a child at a child's dose (ibuprofen -> children's
    # fever reducer); every medicine introduction carries the dosage reminder.
    also_serves: list[str] = []


@dataclass
class _Entry:
    key: str
    zh: str | None
    en: str | None
    aliases: list[str]
    category: str | None
    restricted: bool
    also_serves: list[str]

    def names(self) -> list[str]:
        return [n for n in (self.zh, self.en, *self.aliases) if n]


def _read_data_files(data_dir: Path) -> tuple[list[CatalogueAddition], list[str]]:
    entries: list[CatalogueAddition] = []
    not_items: list[str] = []
    for path in sorted(data_dir.glob("*.toml")):
        with path.open("rb") as f:
            doc = tomllib.load(f)
        for row in doc.get("entries", []):
            try:
                entries.append(CatalogueAddition.model_validate(row))
            except ValidationError as e:
                raise ValueError(f"{path.name}: bad catalogue entry {row!r}: {e}") from e
        not_items.extend(doc.get("not_items", []))
    return entries, not_items


def _merge(rows: Iterable[CatalogueAddition], entries: dict[str, _Entry], source: str) -> None:
    for row in rows:
        if not _KEY.match(row.key):
            raise ValueError(f"{source}: catalogue key {row.key!r} must be snake_case ASCII")
        old = entries.get(row.key)
        if old is None:
            entries[row.key] = _Entry(
                row.key,
                row.zh,
                row.en,
                list(row.aliases),
                row.category,
                row.restricted,
                list(row.also_serves),
            )
            continue
        # An existing key: the addition extends it, and overrides only what it states.
        old.aliases.extend(row.aliases)
        old.zh = row.zh or old.zh
        old.en = row.en or old.en
        old.category = row.category or old.category
        old.restricted = old.restricted or row.restricted
        old.also_serves.extend(k for k in row.also_serves if k not in old.also_serves)


class Catalogue:
    """Items and categories with their names, and the keys offers and requests match on."""

    def __init__(self, entries: dict[str, _Entry], not_items: Sequence[str]) -> None:
        self._entries = entries
        self._ancestors = {key: self._walk_up(key) for key in entries}
        aliases: dict[str, str] = {}
        for entry in entries.values():
            for name in entry.names():
                alias = fold_text(name).strip()
                if not alias:
                    raise ValueError(f"catalogue key {entry.key!r} has an empty name")
                other = aliases.get(alias)
                if other is not None and other != entry.key:
                    raise ValueError(
                        f"ambiguous catalogue name {name!r}: used by {other!r} and {entry.key!r}"
                    )
                aliases[alias] = entry.key
        for word in not_items:
            alias = fold_text(word).strip()
            if alias in aliases:
                raise ValueError(f"not-an-item word {word!r} is also a name of {aliases[alias]!r}")
            aliases[alias] = NOT_AN_ITEM
        self._index = AliasIndex(aliases)
        self._compact_names = {
            key: frozenset(compact(n) for n in e.names()) for key, e in entries.items()
        }
        self._ascii_names = {a: k for a, k in aliases.items() if k and a.isascii() and len(a) > 3}
        self._near_cache: dict[int, list[str]] = {}

    @classmethod
    def load(
        cls, additions: Sequence[CatalogueAddition] = (), *, data_dir: Path = DATA_DIR
    ) -> Catalogue:
        """Shipped data plus admin additions; raises ValueError naming a bad key."""
        rows, not_items = _read_data_files(data_dir)
        entries: dict[str, _Entry] = {}
        _merge(rows, entries, "catalogue data")
        _merge(additions, entries, "catalogue addition")
        for entry in entries.values():
            if entry.category is not None and entry.category not in entries:
                raise ValueError(
                    f"catalogue key {entry.key!r} has unknown category {entry.category!r}"
                )
            for served in entry.also_serves:
                if served not in entries:
                    raise ValueError(
                        f"catalogue key {entry.key!r} also serves unknown key {served!r}"
                    )
        return cls(entries, not_items)

    def _walk_up(self, key: str) -> tuple[str, ...]:
        seen: list[str] = []
        parent = self._entries[key].category
        while parent is not None:
            if parent == key or parent in seen:
                raise ValueError(f"catalogue key {key!r} is in a category cycle via {parent!r}")
            seen.append(parent)
            parent = self._entries[parent].category
        return tuple(seen)

    # -- reading names -------------------------------------------------------------------

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def keys(self) -> list[str]:
        """Every catalogue key."""
        return list(self._entries)

    def names_of(self, canonical: str) -> list[str]:
        """Every name of a catalogue key (display names and aliases); [] if unknown."""
        entry = self._entries.get(canonical)
        return entry.names() if entry else []

    def display_name(self, canonical: str, lang: str) -> str:
        """The name to show residents in "zh" or "en"; unknown keys come back as given."""
        entry = self._entries.get(canonical)
        if entry is None:
            return canonical
        if lang == "en":
            return entry.en or entry.zh or canonical
        return entry.zh or entry.en or canonical

    def categories_of(self, canonical: str) -> list[str]:
        """The categories above a key, nearest first."""
        return list(self._ancestors.get(canonical, ()))

    def item(self, key: str, name: str) -> ParsedItem:
        """The ParsedItem for a catalogue key as written `name`."""
        ancestors = self._ancestors[key]
        chain = (key, *ancestors)
        return ParsedItem(
            name=name,
            canonical=key,
            category=ancestors[0] if ancestors else None,
            known=True,
            medicine=MEDICINE in chain,
            restricted=any(self._entries[k].restricted for k in chain),
        )

    def scan(self, folded_text: str) -> list[AliasHit]:
        """Catalogue names in folded text (NOT_AN_ITEM hits included)."""
        return self._index.scan(folded_text)

    def fuzzy_key(self, name: str) -> str | None:
        """A catalogue key for a misspelt English name ("ibuprofin"), if one is close."""
        from rapidfuzz import fuzz, process

        folded = fold_text(name).strip()
        if len(folded) < 5 or not folded.isascii():
            return None
        best = process.extractOne(
            folded, self._ascii_names_near(len(folded)), scorer=fuzz.ratio, score_cutoff=86
        )
        return self._ascii_names[best[0]] if best else None

    def _ascii_names_near(self, length: int) -> list[str]:
        """The English names long enough and short enough to score 86 against a name of
        `length` letters, in catalogue order (so ties resolve as over all names).

        fuzz.ratio is at most 200·min(a, b)/(a + b): a name of 5 letters never comes within
        86 of one of 9. Leaving those out makes the search several times faster.
        """
        near = self._near_cache.get(length)
        if near is None:
            near = [
                name
                for name in self._ascii_names
                if 200 * min(length, len(name)) >= 86 * (length + len(name)) - 1
            ]
            self._near_cache[length] = near
        return near

    def fuzzy_item_in(self, folded_text: str) -> tuple[str, int, int] | None:
        """The key and span of the first misspelt English item name in a message, if any."""
        for m in _ASCII_WORD.finditer(folded_text):
            key = self.fuzzy_key(m.group())
            if key is not None:
                return key, m.start(), m.end()
        return None

    # -- the public lookups ---------------------------------------------------------------

    def lookup(self, text: str) -> ParsedItem | None:
        """The item for a bare name typed after a command; None for empty text."""
        folded = fold(text)
        for hit in self.scan(folded.text):
            if hit.key != NOT_AN_ITEM:
                return self.item(hit.key, folded.source(hit.start, hit.end))
        name = clean_item_name(text)
        if not name:
            return None
        key = self.fuzzy_key(name)
        if key is not None:
            return self.item(key, name)
        return unknown_item(name)

    def offer_keys(self, item: ParsedItem) -> frozenset[str]:
        """The keys an offer of `item` satisfies: itself and every category above it."""
        if item.known and item.canonical in self._entries:
            served = self._entries[item.canonical].also_serves
            return frozenset((item.canonical, *self._ancestors[item.canonical], *served))
        return frozenset({item.canonical})

    def request_key(self, item: ParsedItem) -> str:
        """The key a request for `item` needs an offer to carry."""
        return item.canonical

    def covers(self, wanted: ParsedItem, offered: ParsedItem) -> bool:
        """Whether an offer of `offered` satisfies a request for `wanted`."""
        if self.request_key(wanted) in self.offer_keys(offered):
            return True
        if wanted.known and offered.known:
            return False
        # At least one side is free text: compare names, allowing containment ("小推车"/"推车").
        for a in self._names_for_fuzzy(wanted):
            for b in self._names_for_fuzzy(offered):
                if a == b:
                    return True
                if len(a) >= _MIN_FUZZY and len(b) >= _MIN_FUZZY and (a in b or b in a):
                    return True
        return False

    def _names_for_fuzzy(self, item: ParsedItem) -> frozenset[str]:
        if item.known and item.canonical in self._compact_names:
            return self._compact_names[item.canonical]
        return frozenset({item.canonical, compact(item.name)})


def unknown_item(name: str) -> ParsedItem:
    """A ParsedItem for a name the catalogue does not know."""
    return ParsedItem(name=name, canonical=compact(name), category=None, known=False)
