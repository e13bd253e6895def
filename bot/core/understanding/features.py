"""What the intent model sees of a message: the same features at training and at run time.

Items the catalogue knows are replaced by one mark before features are taken, so "谁家有◆"
is learnt once for every item instead of once per medicine, and digits by one digit, so
"2盒" and "3盒" are the same evidence. Chinese is read as character n-grams (no word
segmenter needed, and traditional text arrives folded to simplified); English as words,
word pairs and the letter triples of each word (which survive typos: "anyoen" keeps "any").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

ITEM_MARK = "◆"
_DIGITS = re.compile(r"\d+(?:[.,]\d+)?")
_LATIN_WORD = re.compile(r"[a-z][a-z']*|◆|0")
# Chinese, and Korean (dorms and towers mix it in), read as character n-grams.
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uac00-\ud7af◆0]+")
_QUESTION = re.compile(r"[?？]|[吗嘛么伐呢]\s*[~～!！。.]*\s*$")


def mask(folded_text: str, item_spans: Iterable[tuple[int, int]]) -> str:
    """The folded text with each item span replaced by ITEM_MARK and numbers by 0."""
    out = []
    pos = 0
    for start, end in sorted(item_spans):
        if start < pos:
            continue
        out.append(folded_text[pos:start])
        out.append(ITEM_MARK)
        pos = end
    out.append(folded_text[pos:])
    return _DIGITS.sub("0", "".join(out))


def features(masked: str, *, reply_to: str | None = None) -> list[str]:
    """The feature names of one masked message (repeats kept: they are counts)."""
    feats: list[str] = []
    text = masked.strip()
    for run in _CJK_RUN.findall(text):
        if not run.strip("◆0"):
            continue  # a lone item mark or number between Latin words: the word features see it
        padded = f"^{run}$"
        for n in (1, 2, 3):
            feats.extend("c" + padded[i : i + n] for i in range(len(padded) - n + 1))
    words = ["^", *_LATIN_WORD.findall(text), "$"]
    for i in range(1, len(words) - 1):
        word = words[i]
        # "are you free to help", "anyone free Sunday": free time, not a free thing.
        free_time = word == "free" and words[i - 1] in _AVAILABLE_AFTER
        if free_time:
            word = words[i] = "free@time"
        feats.append("w" + word)
        feats.append(f"b{words[i - 1]} {word}")
        feats.append(f"3{words[i - 1]} {word} {words[i + 1]}")
        if free_time:
            continue
        # A word and the one after next: "have … lend", "can … borrow".
        if i + 2 < len(words):
            feats.append(f"s{word} _ {words[i + 2]}")
        if len(word) > 3:
            padded = f"<{word}>"
            feats.extend("t" + padded[j : j + 3] for j in range(len(padded) - 2))
    if len(words) > 2:
        feats.append(f"b{words[-2]} $")
    feats.append("len=" + _length_band(len(text)))
    if _QUESTION.search(text):
        feats.append("question")
    if ITEM_MARK in text:
        feats.append("item")
    if reply_to is not None:
        feats.append(reply_to)
        feats.extend(f"{reply_to}&{cue}" for cue in _reply_cues(text))
    return feats


_AVAILABLE_AFTER = frozenset(
    {"you", "u", "ya", "anyone", "anybody", "someone", "somebody", "i'm", "im", "we're"}
)


def _length_band(n: int) -> str:
    if n <= 4:
        return "tiny"
    if n <= 12:
        return "short"
    if n <= 40:
        return "medium"
    return "long"


def _reply_cues(text: str) -> list[str]:
    # A quote-reply is short: its whole (masked) text, and its first few characters or
    # words, joined with the context, let "+1" mean one thing under an offer and another
    # under a request.
    compact = "".join(text.split())
    cues = ["all:" + compact[:16], "head:" + compact[:2]]
    words = _LATIN_WORD.findall(text)
    if words:
        cues.append("first:" + words[0])
    return cues


# --- tokens, for the item tagger -----------------------------------------------------------
# A Chinese character is a token of its own (no segmenter: the tagger learns where names
# start and end); a run of Latin letters or digits is one token.
_TOKEN = re.compile(r"[a-z][a-z0-9'&+\-]*|\d+(?:\.\d+)?|[\u3400-\u9fff\uac00-\ud7af]|[^\s]")
OUTSIDE, BEGIN, INSIDE = "O", "B", "I"


class Token(NamedTuple):
    """One token of folded text: where it is and its shape (a tuple: cheap to make)."""

    start: int
    end: int
    text: str
    kind: str  # "h" Chinese character, "l" Latin word, "d" number, "p" anything else
    spaced: bool = False  # white space before it: in Chinese chat a space ends a phrase


def tokenise(folded_text: str) -> list[Token]:
    """The tagger's tokens of a folded message."""
    out: list[Token] = []
    append = out.append
    # Built with tuple.__new__: a NamedTuple's own constructor is a Python call per token.
    make = tuple.__new__
    for m in _TOKEN.finditer(folded_text):
        t = m.group()
        start, end = m.span()
        first = t[0]
        if first.isdigit():
            kind, shown = "d", "0"
        elif "a" <= first <= "z":
            kind, shown = "l", t
        elif "\u3400" <= t <= "\u9fff" or "\uac00" <= t <= "\ud7af":
            kind, shown = "h", t
        else:
            kind, shown = "p", t
        spaced = start > 0 and folded_text[start - 1].isspace()
        append(make(Token, (start, end, shown, kind, spaced)))
    return out


def catalogue_tags(tokens: list[Token], spans: Iterable[tuple[int, int]]) -> list[str]:
    """B / I / O for each token by where the catalogue found item names."""
    tags = [OUTSIDE] * len(tokens)
    for start, end in spans:
        first = True
        for i, tok in enumerate(tokens):
            if tok.start >= start and tok.end <= end:
                tags[i] = BEGIN if first else INSIDE
                first = False
    return tags


def static_token_features(
    tokens: list[Token], cat: list[str], *, skip_punctuation: bool = False
) -> list[list[str]]:
    """Each token's features that do not depend on the tag chosen before it
    (`skip_punctuation`: none for punctuation, which the tagger never asks about)."""
    words = ["^", "^", *(t.text for t in tokens), "$", "$"]
    kinds = ["_", *(t.kind for t in tokens), "_"]
    cats = ["_", *cat, "_"]
    out: list[list[str]] = []
    for i in range(len(tokens)):
        if skip_punctuation and kinds[i + 1] == "p":
            out.append([])
            continue
        w = i + 2  # index in words
        w0 = words[w]
        feats = [
            "w0=" + w0,
            "w-1=" + words[w - 1],
            "w+1=" + words[w + 1],
            "w-2=" + words[w - 2],
            "w+2=" + words[w + 2],
            "w-1w0=" + words[w - 1] + w0,
            "w0w+1=" + w0 + words[w + 1],
            "w-2w-1=" + words[w - 2] + words[w - 1],
            "w+1w+2=" + words[w + 1] + words[w + 2],
            "k=" + kinds[i] + kinds[i + 1] + kinds[i + 2],
            "c0=" + cats[i + 1],
            "c=" + cats[i] + cats[i + 1] + cats[i + 2],
            "sp="
            + ("1" if tokens[i].spaced else "0")
            + ("1" if i + 1 < len(tokens) and tokens[i + 1].spaced else "0"),
        ]
        if kinds[i + 1] == "l" and len(w0) > 3:
            feats.append("s3=" + w0[-3:])
            feats.append("p3=" + w0[:3])
        out.append(feats)
    return out


def previous_tag_features(token: Token, cat: str, previous: str) -> list[str]:
    """A token's features that pair it with the tag chosen for the token before."""
    return ["p=" + previous, "p&w0=" + previous + token.text, "p&c0=" + previous + cat,
            "p&k=" + previous + token.kind]  # fmt: skip
