"""Find catalogue names in folded text: leftmost, longest, respecting English word edges."""

from __future__ import annotations

from dataclasses import dataclass

# An empty key marks a "not an item" word (电梯, 药店) that must swallow its span so the
# shorter item name inside it (梯, 药) is not found.
NOT_AN_ITEM = ""


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


@dataclass(frozen=True)
class AliasHit:
    """One catalogue name found in folded text."""

    start: int
    end: int
    key: str  # catalogue key, or NOT_AN_ITEM


class AliasIndex:
    """A dictionary scan: at each position try the alias lengths that start with that char.

    Faster than one regex alternation of thousands of names, which CPython tries one
    branch at a time.
    """

    def __init__(self, aliases: dict[str, str]) -> None:
        self._aliases = aliases
        lengths: dict[str, set[int]] = {}
        for alias in aliases:
            lengths.setdefault(alias[0], set()).add(len(alias))
        self._lengths = {ch: sorted(ls, reverse=True) for ch, ls in lengths.items()}

    def scan(self, text: str) -> list[AliasHit]:
        """All non-overlapping alias hits in folded text, leftmost-longest."""
        hits: list[AliasHit] = []
        n = len(text)
        i = 0
        while i < n:
            lens = self._lengths.get(text[i])
            if lens is None or (_is_word_char(text[i]) and i > 0 and _is_word_char(text[i - 1])):
                i += 1
                continue
            found = None
            for length in lens:
                if i + length > n:
                    continue
                key = self._aliases.get(text[i : i + length])
                if key is None:
                    continue
                end = self._word_end(text, i + length)
                if end is not None:
                    found = AliasHit(i, end, key)
                    break
            if found is None:
                i += 1
            else:
                hits.append(found)
                i = found.end
        return hits

    @staticmethod
    def _word_end(text: str, end: int) -> int | None:
        """Where a hit ending at `end` really ends, or None if it stops inside a word."""
        if not _is_word_char(text[end - 1]):
            return end
        # English plurals: "N95s", "diapers", "boxes".
        for suffix in ("", "s", "es"):
            stop = end + len(suffix)
            if suffix and not text.startswith(suffix, end):
                continue
            if stop >= len(text) or not _is_word_char(text[stop]):
                return stop
        return None
