"""Item names the catalogue does not know, found by a learned tagger (B / I / O per token).

The tagger reads each token with its neighbours and whether the catalogue found a name there,
so it learns where item names begin and end in every script ("十八街麻花", "Switch
controller", "毛线针") instead of relying on a cue word just before them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import lru_cache

from bot.core.understanding.features import (
    BEGIN,
    INSIDE,
    OUTSIDE,
    Token,
    catalogue_tags,
    previous_tag_features,
    static_token_features,
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
    """The tag of each token, left to right (each decision sees the one before)."""
    labels = model.labels
    begin = labels.index(BEGIN)
    scores = model.scores_of_distinct  # a token's features are distinct by their prefixes
    table = _previous_table(model)
    tags: list[str] = []
    previous = OUTSIDE
    for i, static in enumerate(static_token_features(tokens, cat, skip_punctuation=True)):
        token = tokens[i]
        if token.kind == "p":
            # Punctuation and emoji never start or continue a name: no need to ask the model.
            tags.append(OUTSIDE)
            previous = OUTSIDE
            continue
        static.append("p&w0=" + previous + token.text)
        part = scores(static)
        # The other features of the tag before depend on few values: summed once per model.
        extra = table[previous, cat[i], token.kind]
        total = [part[0] + extra[0], part[1] + extra[1], part[2] + extra[2]]
        top = max(total)
        choice = labels[total.index(top)]
        if choice == OUTSIDE and total[begin] - top >= _BEGIN_AT_LOG:
            # B's share of the softmax (written out: this loop is the parser's hottest). The
            # share is at most exp(B - top): far below BEGIN_AT it need not be computed.
            exps = [math.exp(x - top) for x in total]
            if exps[begin] / sum(exps) >= BEGIN_AT:
                choice = BEGIN
        elif choice == INSIDE and previous == OUTSIDE:
            choice = BEGIN
        tags.append(choice)
        previous = choice
    return tags


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
