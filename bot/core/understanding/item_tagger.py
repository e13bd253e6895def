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
    those), summed through per-model caches: a feature naming one token or a few shapes is
    looked up once per token text, not built and hashed again at every position.
    """
    labels = model.labels
    begin = labels.index(BEGIN)
    fast = _fast_tables(model)
    get = model.weights.get
    w0s, wm1s, wp1s, wm2s, wp2s = fast.roles
    shapes = fast.shapes
    after = fast.after_previous
    table = fast.previous
    b0, b1, b2 = model.bias
    words = ["^", "^", *(t.text for t in tokens), "$", "$"]
    kinds = ["_", *(t.kind for t in tokens), "_"]
    cats = ["_", *cat, "_"]
    n = len(tokens)
    tags: list[str] = []
    previous = OUTSIDE
    for i, token in enumerate(tokens):
        kind = token.kind
        if kind == "p":
            # Punctuation and emoji never start or continue a name: no need to ask the model.
            tags.append(OUTSIDE)
            previous = OUTSIDE
            continue
        w = i + 2
        w0 = words[w]
        wm1 = words[w - 1]
        wp1 = words[w + 1]
        wm2 = words[w - 2]
        wp2 = words[w + 2]
        s0, s1, s2 = b0, b1, b2
        for v in (
            w0s[w0],
            wm1s[wm1],
            wp1s[wp1],
            wm2s[wm2],
            wp2s[wp2],
            shapes[
                kinds[i]
                + kind
                + kinds[i + 2]
                + cats[i]
                + cats[i + 1]
                + cats[i + 2]
                + ("1" if token.spaced else "0")
                + ("1" if i + 1 < n and tokens[i + 1].spaced else "0")
            ],
            after[previous][w0],
            table[previous, cats[i + 1], kind],
        ):
            s0 += v[0]
            s1 += v[1]
            s2 += v[2]
        pairs = [
            "w-1w0=" + wm1 + w0,
            "w0w+1=" + w0 + wp1,
            "w-2w-1=" + wm2 + wm1,
            "w+1w+2=" + wp1 + wp2,
        ]
        if kind == "l" and len(w0) > 3:
            pairs.append("s3=" + w0[-3:])
            pairs.append("p3=" + w0[:3])
        for pw in map(get, pairs):
            if pw is not None:
                s0 += pw[0]
                s1 += pw[1]
                s2 += pw[2]
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
        tags.append(choice)
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


@dataclass(frozen=True)
class _FastTables:
    roles: tuple[_Lookup, _Lookup, _Lookup, _Lookup, _Lookup]  # w0=, w-1=, w+1=, w-2=, w+2=
    shapes: _Lookup  # kinds, catalogue tags and spacing around a token: k=, c0=, c=, sp=
    after_previous: dict[str, _Lookup]  # tag before -> p&w0=
    previous: dict[tuple[str, str, str], list[float]]


def _shape_features(key: str) -> list[str]:
    # key: three kinds, three catalogue tags, two spacing flags (see `tag`)
    return ["k=" + key[0:3], "c0=" + key[4], "c=" + key[3:6], "sp=" + key[6:8]]


@lru_cache(maxsize=4)
def _fast_tables(model: LinearModel) -> _FastTables:
    weights = model.weights

    def role(prefix: str) -> _Lookup:
        return _Lookup(weights, lambda word: [prefix + word])

    def after(previous: str) -> _Lookup:
        return _Lookup(weights, lambda word: ["p&w0=" + previous + word])

    return _FastTables(
        roles=(role("w0="), role("w-1="), role("w+1="), role("w-2="), role("w+2=")),
        shapes=_Lookup(weights, _shape_features),
        after_previous={p: after(p) for p in (OUTSIDE, BEGIN, INSIDE)},
        previous=_previous_table(model),
    )


@lru_cache(maxsize=4)
def _previous_table(model: LinearModel) -> dict[tuple[str, str, str], list[float]]:
    """For each (tag before, catalogue tag, token kind), the summed weights of the features
    that pair the tag before with the token (all but the one naming the token's text)."""
    table = {}
    for previous in (OUTSIDE, BEGIN, INSIDE):
        for cat in (OUTSIDE, BEGIN, INSIDE):
            for kind in ("h", "l", "d", "p"):
                feats = [
                    f
                    for f in previous_tag_features(Token(0, 0, "", kind), cat, previous)
                    if not f.startswith("p&w0=")
                ]
                weights = [model.weights[f] for f in feats if f in model.weights]
                table[previous, cat, kind] = [sum(w[j] for w in weights) for j in range(3)]
    return table


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
