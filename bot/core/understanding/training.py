"""`jinlin train`: rebuild the shipped understanding model from the corpus, deterministically.

The corpus is split by writing batch (corpus/splits.toml), never by line, so the phrasings of
one author's sitting never sit on both sides. The intent head's regularisation is chosen on
the validation split; every head is then fitted on train + validation and the result scored
on the test split, which nothing here tunes on. scikit-learn is imported here only: running
the model needs none of it.
"""

from __future__ import annotations

import json
import statistics
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.understanding.catalogue import Catalogue
from bot.core.understanding.features import (
    BEGIN,
    INSIDE,
    OUTSIDE,
    catalogue_tags,
    previous_tag_features,
    static_token_features,
    tokenise,
)
from bot.core.understanding.intent_model import Label, LinearModel, UnderstandingModel
from bot.core.understanding.normalise import Folded, fold
from bot.core.understanding.quantity_choice import IS_AMOUNT, mention_features

CORPUS_DIR = Path(__file__).resolve().parents[3] / "corpus"
_C_GRID = (0.5, 1.0, 2.0, 4.0, 8.0)
# The quantity head's regularisation, chosen on validation (quantity accuracy 0.924 at C
# 0.1-0.4, 0.919 at 1, 0.893 at 4): few mentions per message, a firmer prior generalises.
_QUANTITY_C = 0.4
# Features seen in fewer examples than this carry noise, not evidence.
_MIN_COUNT = 2
# Weights smaller than this change no decision and only make the shipped file larger.
_PRUNE_BELOW = 0.02


@dataclass(frozen=True)
class Example:
    """One labelled message as the model learns it."""

    id: str
    lang: str
    text: str
    label: Label
    reply_to: str | None  # the quoted message's intent, if a quote-reply
    items: tuple[tuple[str, ...], ...] = ()
    quantity: float | None = None
    urgent: bool = False


def example_from_json(d: dict[str, Any]) -> Example:
    """One corpus line (shared corpus format, plus the optional reply_to / closing keys)."""
    label = Label(d["intent"])
    if label is Label.NONE and d.get("closing"):
        label = Label.CLOSING
    reply = d.get("reply_to")
    q = d.get("quantity")
    return Example(
        id=str(d["id"]),
        lang=str(d.get("lang", "")),
        text=str(d["text"]),
        label=label,
        reply_to=str(reply["intent"]) if isinstance(reply, dict) and "intent" in reply else None,
        items=tuple(tuple(str(n) for n in names) for names in d.get("items") or []),
        quantity=float(q["n"]) if isinstance(q, dict) and "n" in q else None,
        urgent=bool(d.get("urgent")),
    )


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every object of a JSON-lines file."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@dataclass(frozen=True)
class Splits:
    """Batch files by split."""

    train: list[Path]
    validation: list[Path]
    test: list[Path]


def read_splits(corpus_dir: Path = CORPUS_DIR) -> Splits:
    """corpus/splits.toml names the validation and test batches; every other batch trains."""
    spec = tomllib.loads((corpus_dir / "splits.toml").read_text("utf-8"))
    batches = sorted((corpus_dir / "batches").glob("*.jsonl"))
    by_name = {p.stem: p for p in batches}
    missing = [n for n in [*spec["validation"], *spec["test"]] if n not in by_name]
    if missing:
        raise ValueError(f"splits.toml names batches that do not exist: {missing}")
    held = set(spec["validation"]) | set(spec["test"])
    return Splits(
        train=[p for p in batches if p.stem not in held],
        validation=[by_name[n] for n in spec["validation"]],
        test=[by_name[n] for n in spec["test"]],
    )


def load_examples(paths: Iterable[Path]) -> list[Example]:
    """All examples of some batch files, in a stable order."""
    rows = [example_from_json(d) for p in sorted(paths) for d in read_jsonl(p)]
    return sorted(rows, key=lambda e: e.id)


def intent_of(label: str) -> str:
    """The corpus intent a label scores as (closing words are `none`)."""
    return "none" if label == Label.CLOSING else str(label)


def macro_f1(pairs: Sequence[tuple[str, str]]) -> float:
    """Macro-F1 over offer / request / none, as `jinlin bench parse` scores it."""
    scores = []
    for label in ("offer", "request", "none"):
        tp = sum(g == label and p == label for g, p in pairs)
        fp = sum(g != label and p == label for g, p in pairs)
        fn = sum(g == label and p != label for g, p in pairs)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else float(fp == fn == 0))
    return statistics.mean(scores)


def fit_linear(
    feats: Sequence[list[str]], labels: Sequence[str], c: float, *, balanced: bool = True
) -> LinearModel:
    """Logistic regression on named features; rare features dropped, tiny weights pruned."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    counts: dict[str, int] = {}
    for fs in feats:
        for f in set(fs):
            counts[f] = counts.get(f, 0) + 1
    # Binary features (present or not), as LinearModel.scores reads them.
    rows = [{f: 1.0 for f in fs if counts[f] >= _MIN_COUNT} for fs in feats]
    vectoriser = DictVectorizer(sort=True)
    x = vectoriser.fit_transform(rows)
    order = sorted(set(labels))
    y = [order.index(lb) for lb in labels]
    clf = LogisticRegression(C=c, max_iter=5000, class_weight="balanced" if balanced else None)
    clf.fit(x, y)
    names = vectoriser.get_feature_names_out()
    coef = clf.coef_
    intercept = [float(b) for b in clf.intercept_]
    if len(order) == 2:
        # scikit-learn keeps one weight vector for two classes: score(second) - score(first).
        coef = [[-w / 2 for w in coef[0]], [w / 2 for w in coef[0]]]
        intercept = [-intercept[0] / 2, intercept[0] / 2]
    weights: dict[str, list[float]] = {}
    for j, name in enumerate(names):
        column = [float(coef[i][j]) for i in range(len(order))]
        if max(abs(w) for w in column) >= _PRUNE_BELOW:
            weights[str(name)] = column
    return LinearModel(order, intercept, weights)


# --- the heads' training data ----------------------------------------------------------------


def _name_span(folded_text: str, names: Sequence[str]) -> tuple[int, int] | None:
    for name in names:
        needle = fold(name).text.strip()
        if len(needle) < 1:
            continue
        at = folded_text.find(needle)
        if at >= 0:
            return at, at + len(needle)
    return None


def folded(example: Example) -> Folded:
    """The example's text as the parser reads it: spaced handwriting closed up, then folded."""
    from bot.core.understanding.parser import prepared

    return fold(prepared(example.text))


def gold_spans(example: Example) -> list[tuple[int, int]] | None:
    """Where the labelled items are written, or None when one cannot be found in the text."""
    text = folded(example).text
    spans = []
    for names in example.items:
        span = _name_span(text, names)
        if span is None:
            return None
        spans.append(span)
    return spans


def tagger_data(
    examples: Sequence[Example], catalogue: Catalogue
) -> tuple[list[list[str]], list[str]]:
    """Token features and gold tags for every sharing message whose items can be located."""
    from bot.core.understanding.parser import _item_hits

    feats: list[list[str]] = []
    tags: list[str] = []
    for e in examples:
        if intent_of(e.label) == "none":
            continue
        spans = gold_spans(e)
        if spans is None:
            continue
        seen = folded(e)
        tokens = tokenise(seen.text)
        hits = [(h.start, h.end) for h in _item_hits(catalogue, seen)]
        gold = catalogue_tags(tokens, spans)
        # Each message twice: with the catalogue's findings, and as if the catalogue knew
        # none of its items, so the tagger learns names from the words around them too.
        for cat in (catalogue_tags(tokens, hits), [OUTSIDE] * len(tokens)):
            previous = OUTSIDE
            statics = static_token_features(tokens, cat)
            for i, (static, t) in enumerate(zip(statics, gold, strict=True)):
                if tokens[i].kind == "p":  # the tagger never asks about these (item_tagger.tag)
                    previous = OUTSIDE
                    continue
                feats.append([*static, *previous_tag_features(tokens[i], cat[i], previous)])
                tags.append(t)
                previous = t
    assert set(tags) <= {BEGIN, INSIDE, OUTSIDE}
    return feats, tags


def quantity_data(examples: Sequence[Example]) -> tuple[list[list[str]], list[str]]:
    """Each number mention of a sharing message, and whether it is the labelled amount."""
    from bot.core.understanding.parser import quantity_mentions

    feats: list[list[str]] = []
    labels: list[str] = []
    for e in examples:
        intent = intent_of(e.label)
        if intent == "none":
            continue
        spans = gold_spans(e) or []
        seen = folded(e)
        mentions = quantity_mentions(seen, spans)
        for i, m in enumerate(mentions):
            feats.append(mention_features(seen.text, mentions, i, spans, intent))
            labels.append(IS_AMOUNT if m.quantity.n == e.quantity else "other")
    return feats, labels


def urgency_data(
    examples: Sequence[Example], catalogue: Catalogue
) -> tuple[list[list[str]], list[str]]:
    """Every message's urgency features and label."""
    from bot.core.understanding.parser import model_features, urgency_features

    feats = []
    for e in examples:
        feats.append(
            urgency_features(model_features(e.text, catalogue, e.reply_to), folded(e).text, e.text)
        )
    return feats, ["urgent" if e.urgent else "calm" for e in examples]


def fit_model(examples: Sequence[Example], catalogue: Catalogue, c: float) -> UnderstandingModel:
    """Every head on the same examples."""
    from bot.core.understanding.parser import model_features

    intent_x = [model_features(e.text, catalogue, e.reply_to) for e in examples]
    heads = {"intent": fit_linear(intent_x, [e.label.value for e in examples], c)}
    ux, uy = urgency_data(examples, catalogue)
    heads["urgency"] = fit_linear(ux, uy, 1.0)
    tx, ty = tagger_data(examples, catalogue)
    heads["items"] = fit_linear(tx, ty, 1.0, balanced=False)
    qx, qy = quantity_data(examples)
    heads["quantity"] = fit_linear(qx, qy, _QUANTITY_C)
    return UnderstandingModel(heads, {"intent_C": c, "examples": len(examples)})


def calibrate(head: LinearModel, examples: Sequence[Example], catalogue: Catalogue) -> float:
    """The temperature that makes the intent head's probabilities honest on held-out examples
    (least negative log-likelihood): its confidence then decides when to ask the author."""
    import math

    from bot.core.understanding.parser import model_features

    scored = [
        (head.scores(model_features(e.text, catalogue, e.reply_to)), head.labels.index(e.label))
        for e in examples
    ]

    def nll(t: float) -> float:
        total = 0.0
        for scores, gold in scored:
            top = max(scores)
            log_z = top / t + math.log(sum(math.exp((x - top) / t) for x in scores))
            total += log_z - scores[gold] / t
        return total

    grid = [round(0.3 + 0.05 * i, 2) for i in range(55)]  # 0.3 … 3.0
    return min(grid, key=nll)


def scaled(head: LinearModel, temperature: float) -> LinearModel:
    """A head whose scores are divided by `temperature` (same decisions, honest confidence)."""
    return LinearModel(
        head.labels,
        [b / temperature for b in head.bias],
        {k: [w / temperature for w in v] for k, v in head.weights.items()},
    )


def intent_score(
    model: UnderstandingModel, examples: Sequence[Example], catalogue: Catalogue
) -> float:
    """Intent macro-F1 of a model on some examples (with their reply context)."""
    from bot.core.understanding.intent import classify
    from bot.core.understanding.parser import model_features

    pairs = []
    for e in examples:
        feats = model_features(e.text, catalogue, e.reply_to)
        got = classify(folded(e).text, feats, model.intent).intent
        pairs.append((intent_of(e.label), got))
    return macro_f1(pairs)


@dataclass
class TrainReport:
    """What training chose and how the result scores."""

    c: float
    validation_by_c: dict[float, float]
    test_intent: float
    temperature: float
    sizes: dict[str, int]
    features: dict[str, int]

    def lines(self) -> list[str]:
        """The report as printed by `jinlin train`."""
        grid = ", ".join(f"C={c}: {f:.3f}" for c, f in self.validation_by_c.items())
        return [
            f"examples: {self.sizes}",
            f"features kept per head: {self.features}",
            f"validation intent macro-F1 by C (intent head fitted on train): {grid} -> C={self.c}",
            f"confidence calibrated on validation: temperature {self.temperature}",
            f"test intent macro-F1 (final model): {self.test_intent:.3f}",
            "full scores: jinlin bench parse --split test",
        ]


def train(
    catalogue: Catalogue,
    *,
    corpus_dir: Path = CORPUS_DIR,
    extra: Sequence[Example] = (),
    train_only: bool = False,
) -> tuple[UnderstandingModel, TrainReport]:
    """Choose C on validation, fit on train + validation (+ extra), score on test.

    `train_only` leaves validation out of the final fit too: a development model whose
    validation scores (`jinlin bench parse --split validation`) are honest.
    """
    from bot.core.understanding.parser import model_features

    splits = read_splits(corpus_dir)
    train_rows = [*load_examples(splits.train), *extra]
    validation = load_examples(splits.validation)
    test = load_examples(splits.test)
    train_x = [model_features(e.text, catalogue, e.reply_to) for e in train_rows]
    by_c: dict[float, float] = {}
    heads: dict[float, LinearModel] = {}
    for c in _C_GRID:
        heads[c] = fit_linear(train_x, [e.label.value for e in train_rows], c)
        by_c[c] = intent_score(UnderstandingModel({"intent": heads[c]}, {}), validation, catalogue)
    best_c = max(_C_GRID, key=lambda c: (round(by_c[c], 3), -c))
    temperature = calibrate(heads[best_c], validation, catalogue)
    final = train_rows if train_only else [*train_rows, *validation]
    model = fit_model(final, catalogue, best_c)
    model.heads["intent"] = scaled(model.intent, temperature)
    model.meta["intent_temperature"] = temperature
    report = TrainReport(
        c=best_c,
        validation_by_c=by_c,
        test_intent=intent_score(model, test, catalogue),
        temperature=temperature,
        sizes={"train": len(train_rows), "validation": len(validation), "test": len(test)},
        features={k: len(v.weights) for k, v in model.heads.items()},
    )
    return model, report
