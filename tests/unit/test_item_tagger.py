"""The tagger's fast path reads exactly the features training learnt from.

`item_tagger.tag` sums weights through lookup tables built per model; `training.tagger_data`
lists the features by name. If the two ever drift apart (a feature renamed in one place, a
table keyed wrongly), names the catalogue does not know are found worse at run time than the
validation figures promised, and no other test notices. This reads the shipped model the
plain way, feature by feature, and compares every decision.
"""

from __future__ import annotations

import json
import math

import pytest

from bot.core.understanding import Catalogue
from bot.core.understanding.features import (
    BEGIN,
    OUTSIDE,
    Token,
    catalogue_tags,
    previous_tag_features,
    static_token_features,
    tokenise,
)
from bot.core.understanding.intent_model import LinearModel, load_model
from bot.core.understanding.item_tagger import BEGIN_AT, tag
from bot.core.understanding.normalise import fold
from bot.core.understanding.training import read_splits

pytestmark = pytest.mark.no_storage  # pure logic: no database to vary


def plain_tag(model: LinearModel, tokens: list[Token], cat: list[str]) -> list[str]:
    """The tagger's decisions from training's feature lists, summed one feature at a time."""
    statics = static_token_features(tokens, cat)
    tags: list[str] = []
    previous = OUTSIDE
    for token, static, c in zip(tokens, statics, cat, strict=True):
        if token.kind == "p":
            tags.append(OUTSIDE)
            previous = OUTSIDE
            continue
        scores = model.scores([*static, *previous_tag_features(token, c, previous)])
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        shares = dict(zip(model.labels, (e / sum(exps) for e in exps), strict=True))
        choice = max(shares, key=shares.__getitem__)
        # A likely enough B is a name's start; so is I straight after O.
        starts = shares[BEGIN] >= BEGIN_AT if choice == OUTSIDE else previous == OUTSIDE
        if choice != BEGIN and starts:
            choice = BEGIN
        tags.append(choice)
        previous = choice
    return tags


@pytest.fixture(scope="module")
def training_texts() -> list[str]:
    texts = []
    for path in read_splits().train:
        with path.open(encoding="utf-8") as f:
            texts += [json.loads(line)["text"] for line in f if line.strip()]
    return texts[::7]


def test_the_fast_tagger_decides_as_the_features_training_learnt_from(training_texts):
    model = load_model().head("items")
    assert model is not None
    catalogue = Catalogue.load()
    differ = []
    names = 0
    for text in training_texts:
        folded = fold(text).text
        tokens = tokenise(folded)
        cat = catalogue_tags(tokens, [(h.start, h.end) for h in catalogue.scan(folded)])
        fast = tag(model, tokens, cat)
        names += fast.count(BEGIN)
        if fast != plain_tag(model, tokens, cat):
            differ.append(text)
    assert len(training_texts) > 500 and names > 300  # the comparison saw real names
    assert differ == []
