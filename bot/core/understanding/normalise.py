"""Fold chat text to one comparable form: NFKC, traditional -> simplified, lower case.

Folding keeps one character per original character whenever it can, so a span found in
the folded text can be cut from the original message to keep the resident's own wording.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import opencc

# OpenCC builds its dictionaries on construction: do it once per process.
_T2S = opencc.OpenCC("t2s")

# Curly quotes and look-alike dashes typed by phones; folded so "kids’" matches "kids'". 葯 is
# how Hong Kong handwriting input often writes 藥, and OpenCC leaves it alone.
_PUNCT = str.maketrans(
    {"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "～": "~", "葯": "药"}
)


@dataclass(frozen=True)
class Folded:
    """A message folded for matching, with a way back to the original wording."""

    original: str
    text: str  # text[i] always comes from original[i]

    def source(self, start: int, end: int) -> str:
        """The original wording of the folded span [start, end)."""
        return self.original[start:end].strip()


def _fold_chars(text: str) -> str:
    # Per-character fallback keeps the length when a whole-string step would not.
    out = []
    for ch in text:
        nk = unicodedata.normalize("NFKC", ch)
        ch2 = nk if len(nk) == 1 else ch
        simp = _T2S.convert(ch2)
        ch3 = simp if len(simp) == 1 else ch2
        low = ch3.lower()
        out.append(low if len(low) == 1 else ch3)
    return "".join(out).translate(_PUNCT)


@lru_cache(maxsize=4096)
def fold_text(text: str) -> str:
    """Fold text for comparison (used for catalogue aliases and short names)."""
    return fold(text).text


def fold(text: str) -> Folded:
    """Fold a message: NFKC, traditional -> simplified Chinese, lower case."""
    nk = unicodedata.normalize("NFKC", text)
    if len(nk) == len(text):
        simp = _T2S.convert(nk)
        if len(simp) == len(nk):
            low = simp.lower()
            if len(low) == len(simp):
                return Folded(text, low.translate(_PUNCT))
    return Folded(text, _fold_chars(text))


def compact(text: str) -> str:
    """Fold and drop spaces: the form names are compared in."""
    return "".join(fold_text(text).split())
