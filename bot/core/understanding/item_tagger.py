"""Item names the catalogue does not know, found by a learned tagger (B / I / O per token).

The tagger reads each token with its neighbours and whether the catalogue found a name there,
so it learns where item names begin and end in every script ("十八街麻花", "Switch
controller", "毛线针") instead of relying on a cue word just before them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from bot.core.understanding.features import (
    BEGIN,
    INSIDE,
    OUTSIDE,
    Token,
    catalogue_tags,
    previous_tag_features,
    tokenise,
)
from bot.core.understanding.intent_model import LinearModel

# A name longer than this is a sentence the tagger ran on into, not a name.
MAX_NAME_CHARS = 24
# A name starts where B scores at least this share of the three tags' weight: names are rarer
# than other words, and a missed name costs a neighbour more than an extra one (chosen on the
# validation split).
BEGIN_AT = 0.15
# log(BEGIN_AT), a hair lower so rounding never skips a share that would reach BEGIN_AT.
_BEGIN_AT_LOG = math.log(BEGIN_AT) - 1e-9


def tag(model: LinearModel, tokens: list[Token], cat: list[str]) -> list[str]:
    """The tag of each token, left to right (each decision sees the one before).

    The same features as `static_token_features` + `previous_tag_features` (training reads
    those), summed through per-model caches: a feature naming one token, a pair of tokens or
    a few shapes is looked up once per text, not built and hashed again at every position
    (tests/unit/test_item_tagger.py checks it decides as summing the named features does).
    """
    labels = model.labels
    begin = labels.index(BEGIN)
    fast = _fast_tables(model)
    wm1s, wp1s, wm2s, wp2s = fast.roles
    word_after = fast.word_after
    shape_after = fast.shape_after
    affixes = fast.affixes
    b0, b1, b2 = model.bias
    words = ["^", "^", *(t.text for t in tokens), "$", "$"]
    # The four pair features of every adjacent pair of words, looked up once per pair: the
    # pair at (j, j+1) is w-1w0 for token j+1, w0w+1 for j, w-2w-1 for j+2, w+1w+2 for j-1.
    pair_roles = fast.pairs
    pairs = [pair_roles[a + b] for a, b in pairwise(words)]
    # Each token's shape key (kinds and catalogue tags of it and its neighbours, whether it and
    # the next token follow a space) is a slice of these strings, not eight strings joined.
    kinds = "_" + "".join([t.kind for t in tokens]) + "_"
    cats = "_" + "".join(cat) + "_"
    spaced = "".join(["1" if t.spaced else "0" for t in tokens]) + "0"
    tags: list[str] = []
    append = tags.append
    previous = OUTSIDE
    for i, token in enumerate(tokens):
        kind = token.kind
        if kind == "p":
            # Punctuation and emoji never start or continue a name: no need to ask the model.
            append(OUTSIDE)
            previous = OUTSIDE
            continue
        w = i + 2
        w0 = words[w]
        v1 = word_after[previous][w0]
        v2 = wm1s[words[w - 1]]
        v3 = wp1s[words[w + 1]]
        v4 = wm2s[words[w - 2]]
        v5 = wp2s[words[w + 2]]
        v6 = shape_after[previous][kinds[i : i + 3] + cats[i : i + 3] + spaced[i : i + 2]]
        p1 = pairs[w - 1][0]
        p2 = pairs[w][1]
        p3 = pairs[w - 2][2]
        p4 = pairs[w + 1][3]
        s0 = b0 + v1[0] + v2[0] + v3[0] + v4[0] + v5[0] + v6[0]
        s1 = b1 + v1[1] + v2[1] + v3[1] + v4[1] + v5[1] + v6[1]
        s2 = b2 + v1[2] + v2[2] + v3[2] + v4[2] + v5[2] + v6[2]
        s0 = s0 + p1[0] + p2[0] + p3[0] + p4[0]
        s1 = s1 + p1[1] + p2[1] + p3[1] + p4[1]
        s2 = s2 + p1[2] + p2[2] + p3[2] + p4[2]
        if kind == "l" and len(w0) > 3:
            a1, a2 = affixes[w0]
            s0 = s0 + a1[0] + a2[0]
            s1 = s1 + a1[1] + a2[1]
            s2 = s2 + a1[2] + a2[2]
        total = [s0, s1, s2]
        top = max(total)
        choice = labels[total.index(top)]
        if choice == OUTSIDE and total[begin] - top >= _BEGIN_AT_LOG:
            # B's share of the softmax. The share is at most exp(B - top): far below
            # BEGIN_AT it need not be computed.
            exps = [math.exp(x - top) for x in total]
            if exps[begin] / sum(exps) >= BEGIN_AT:
                choice = BEGIN
        elif choice == INSIDE and previous == OUTSIDE:
            choice = BEGIN
        append(choice)
        previous = choice
    return tags


_NO_WEIGHT = (0.0, 0.0, 0.0)
# A long-running bot meets new words forever: a cache this full starts again.
_CACHE_LIMIT = 50_000


class _Lookup(dict[str, Sequence[float]]):
    """key -> the summed weights of the features `make(key)` names, computed on first use."""

    def __init__(self, weights: dict[str, list[float]], make: Callable[[str], list[str]]):
        super().__init__()
        self._weights = weights
        self._make = make

    def __missing__(self, key: str) -> Sequence[float]:
        found = [self._weights[f] for f in self._make(key) if f in self._weights]
        value: Sequence[float] = (
            _NO_WEIGHT if not found else found[0] if len(found) == 1 else
            [sum(w[j] for w in found) for j in range(3)]
        )  # fmt: skip
        if len(self) >= _CACHE_LIMIT:
            self.clear()
        self[key] = value
        return value


class _Each(dict[str, tuple[Sequence[float], ...]]):
    """key -> the weights of each feature `make(key)` names, apart (zero when unweighted):
    one text feeds several features that land on different tokens."""

    def __init__(self, weights: dict[str, list[float]], make: Callable[[str], list[str]]):
        super().__init__()
        self._weights = weights
        self._make = make

    def __missing__(self, key: str) -> tuple[Sequence[float], ...]:
        get = self._weights.get
        value = tuple(get(f, _NO_WEIGHT) for f in self._make(key))
        if len(self) >= _CACHE_LIMIT:
            self.clear()
        self[key] = value
        return value


@dataclass(frozen=True)
class _FastTables:
    roles: tuple[_Lookup, _Lookup, _Lookup, _Lookup]  # neighbours' words: w-1=, w+1=, w-2=, w+2=
    # Per tag before: the token's own word (w0=, p&w0=), and its shape key — kinds, catalogue
    # tags and spacing around it (k=, c0=, c=, sp=) with the features pairing the tag before
    # with them (p=, p&c0=, p&k=).
    word_after: dict[str, _Lookup]
    shape_after: dict[str, _Lookup]
    pairs: _Each  # two adjacent words -> w-1w0=, w0w+1=, w-2w-1=, w+1w+2=
    affixes: _Each  # a Latin word -> s3=, p3=


def _shape_features(key: str, previous: str) -> list[str]:
    # key: three kinds, three catalogue tags, two spacing flags (see `tag`)
    kind, cat = key[1], key[4]
    return [
        "k=" + key[0:3],
        "c0=" + cat,
        "c=" + key[3:6],
        "sp=" + key[6:8],
        *(
            f
            for f in previous_tag_features(Token(0, 0, "", kind), cat, previous)
            if not f.startswith("p&w0=")
        ),
    ]


@lru_cache(maxsize=4)
def _fast_tables(model: LinearModel) -> _FastTables:
    weights = model.weights
    tags = (OUTSIDE, BEGIN, INSIDE)

    def role(prefix: str) -> _Lookup:
        return _Lookup(weights, lambda word: [prefix + word])

    def word_after(previous: str) -> _Lookup:
        return _Lookup(weights, lambda word: ["w0=" + word, "p&w0=" + previous + word])

    def shape_after(previous: str) -> _Lookup:
        return _Lookup(weights, lambda key: _shape_features(key, previous))

    return _FastTables(
        roles=(role("w-1="), role("w+1="), role("w-2="), role("w+2=")),
        word_after={p: word_after(p) for p in tags},
        shape_after={p: shape_after(p) for p in tags},
        pairs=_Each(
            weights,
            lambda pair: ["w-1w0=" + pair, "w0w+1=" + pair, "w-2w-1=" + pair, "w+1w+2=" + pair],
        ),
        affixes=_Each(weights, lambda word: ["s3=" + word[-3:], "p3=" + word[:3]]),
    )


def spans_of(tokens: list[Token], tags: list[str]) -> list[tuple[int, int]]:
    """Character spans (in the folded text) of the tagged names."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    end = 0
    for tok, t in zip(tokens, tags, strict=True):
        if t == BEGIN:
            if start is not None:
                spans.append((start, end))
            start, end = tok.start, tok.end
        elif t == INSIDE and start is not None:
            end = tok.end
        else:
            if start is not None:
                spans.append((start, end))
            start = None
    if start is not None:
        spans.append((start, end))
    return [(s, e) for s, e in spans if e - s <= MAX_NAME_CHARS]


def item_spans(
    model: LinearModel, folded_text: str, catalogue_spans: Iterable[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Where a message names its items, by the tagger."""
    tokens = tokenise(folded_text)
    if not tokens:
        return []
    return spans_of(tokens, tag(model, tokens, catalogue_tags(tokens, catalogue_spans)))
