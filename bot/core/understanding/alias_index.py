"""Find catalogue names in folded text: leftmost, longest, respecting English word edges."""

from __future__ import annotations

import string
from dataclasses import dataclass

# An empty key marks a "not an item" word (电梯, 药店) that must swallow its span so the
# shorter item name inside it (梯, 药) is not found.
NOT_AN_ITEM = ""
_WORD = frozenset(string.ascii_lowercase + string.digits)


@dataclass(frozen=True)
class AliasHit:
    """One catalogue name found in folded text."""

    start: int
    end: int
    key: str  # catalogue key, or NOT_AN_ITEM


class AliasIndex:
    """A dictionary scan instead of one regex alternation of thousands of names.

    CPython tries alternation branches one at a time; dictionary probes at each position
    (CJK) or at each word end (English) keep a message at a few dozen lookups.
    """

    def __init__(self, aliases: dict[str, str]) -> None:
        self._aliases = aliases
        lengths: dict[str, set[int]] = {}
        for alias in aliases:
            lengths.setdefault(alias[0], set()).add(len(alias))
        self._lengths = {ch: sorted(ls, reverse=True) for ch, ls in lengths.items()}
        self._max_words = max((a.count(" ") + 1 for a in aliases if a[0] in _WORD), default=1)
        # Where an English name may go on past a word end: before a space ("vacuum" of
        # "vacuum cleaner") or into CJK ("n95" of "n95口罩"). Anywhere else the scan of a
        # word stops at its end: most words of a message start no name at all.
        self._before_space: set[str] = set()
        self._before_cjk: set[str] = set()
        for alias in aliases:
            if alias[0] not in _WORD:
                continue
            for p in range(1, len(alias)):
                if alias[p] == " ":
                    self._before_space.add(alias[:p])
                elif alias[p - 1] in _WORD and alias[p] not in _WORD and alias[p] != "\n":
                    self._before_cjk.add(alias[:p])

    def scan(self, text: str) -> list[AliasHit]:
        """All non-overlapping alias hits in folded text, leftmost-longest."""
        hits: list[AliasHit] = []
        n = len(text)
        i = 0
        while i < n:
            ch = text[i]
            lens = self._lengths.get(ch)
            if lens is None:
                i += 1
                continue
            if ch in _WORD:
                if i > 0 and text[i - 1] in _WORD:
                    i += 1
                    continue
                found = self._english_at(text, i)
            else:
                found = self._cjk_at(text, i, lens)
            if found is None:
                i += 1
            else:
                hits.append(found)
                i = found.end
        return hits

    def _cjk_at(self, text: str, i: int, lens: list[int]) -> AliasHit | None:
        n = len(text)
        for length in lens:
            if i + length > n:
                continue
            key = self._aliases.get(text[i : i + length])
            if key is None:
                continue
            end = i + length
            # A name ending in a Latin letter or digit ("维c") must not stop inside a word.
            if text[end - 1] in _WORD and end < n and text[end] in _WORD:
                continue
            return AliasHit(i, end, key)
        return None

    def _english_at(self, text: str, i: int) -> AliasHit | None:
        """The longest name starting at a word start: try each following word end."""
        n = len(text)
        best: AliasHit | None = None
        j = i
        for _ in range(self._max_words):
            # "#" joins a word too: "tylenol #3" (with codeine) is not "tylenol".
            while j < n and (text[j] in _WORD or text[j] in "'-.#"):
                j += 1
            word_end = j
            # Trailing apostrophes/dots belong to the sentence, not the name.
            while word_end > i and text[word_end - 1] in "'-.#":
                word_end -= 1
            candidates = [word_end]
            if text.endswith("s", i, word_end):
                candidates.append(word_end - 1)
            if text.endswith("es", i, word_end):
                candidates.append(word_end - 2)
            for stop in candidates:
                key = self._aliases.get(text[i:stop])
                if key is not None:
                    best = AliasHit(i, word_end, key)
                    break
            # Names may run on into CJK ("n95口罩", "macbook的charger") or hold spaces.
            k = word_end
            if text[i:word_end] in self._before_cjk:
                while k < n and text[k] not in _WORD and text[k] not in " \n" and k - word_end < 6:
                    k += 1
                    key = self._aliases.get(text[i:k])
                    if key is not None:
                        best = AliasHit(i, k, key)
            if j >= n or text[j] != " " or text[i:j] not in self._before_space:
                break
            j += 1
        return best
