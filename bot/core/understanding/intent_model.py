"""The learned parts of understanding: linear models over named features, run in pure Python.

One file ships them all (data/understanding_model.json.gz), each a "head":
- intent: offer / request / none / closing, its probability the confidence;
- urgency: urgent / calm;
- items: each token of a message as B (begins an item name), I (inside one) or O;
- quantity: whether a number mention is the amount of the item.

Training (`jinlin train`, training.py) uses scikit-learn; running needs only the weights, so a
deployment installs no machine-learning library and loads offline.
"""

from __future__ import annotations

import gzip
import json
import math
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

MODEL_PATH = Path(__file__).parent / "data" / "understanding_model.json.gz"


class Label(StrEnum):
    """What the intent head tells apart. CLOSING is the author's "已送出" / "found one"."""

    OFFER = "offer"
    REQUEST = "request"
    NONE = "none"
    CLOSING = "closing"


@dataclass(frozen=True)
class Prediction:
    """The most likely label and how sure the model is of it (0..1)."""

    label: str
    confidence: float
    probabilities: dict[str, float]


class LinearModel:
    """Multinomial logistic regression: one weight per (feature, label), plus a bias."""

    def __init__(self, labels: list[str], bias: list[float], weights: dict[str, list[float]]):
        self.labels = labels
        self.bias = bias
        self.weights = weights

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LinearModel:
        """Build from the shipped JSON shape (see `to_json`)."""
        return cls(
            [str(x) for x in data["labels"]],
            [float(x) for x in data["bias"]],
            {k: [float(x) for x in v] for k, v in data["weights"].items()},
        )

    def to_json(self) -> dict[str, Any]:
        """labels, bias, {feature: [weight per label]}; rounded, so files stay small."""
        return {
            "labels": self.labels,
            "bias": [round(x, 4) for x in self.bias],
            "weights": {k: [round(x, 4) for x in v] for k, v in sorted(self.weights.items())},
        }

    def scores(self, feats: list[str]) -> list[float]:
        """The raw score of each label: features count once however often they occur."""
        weights = self.weights
        # The set intersection runs in C: most features of a message have no weight at all.
        found = [weights[k] for k in weights.keys() & feats]
        found.append(self.bias)
        # Transposed and summed in C too.
        return [sum(column) for column in zip(*found, strict=True)]

    def scores_of_distinct(self, feats: list[str]) -> list[float]:
        """`scores` for a short list of distinct features (the tagger's, once per token).

        With three labels, three running sums in a plain loop beat building a set and a
        transposed list of vectors: this is the parser's hottest call.
        """
        if len(self.labels) != 3:
            return self.scores(feats)
        s0, s1, s2 = self.bias
        for w in map(self.weights.get, feats):
            if w is not None:
                s0 += w[0]
                s1 += w[1]
                s2 += w[2]
        return [s0, s1, s2]

    def predict(self, feats: list[str]) -> Prediction:
        """Softmax over the labels for one input's features."""
        scores = self.scores(feats)
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        probs = {label: e / total for label, e in zip(self.labels, exps, strict=True)}
        best = max(probs, key=probs.__getitem__)
        return Prediction(best, probs[best], probs)

    def best(self, feats: list[str]) -> str:
        """The top label only (no probabilities: the tagger's inner loop)."""
        scores = self.scores(feats)
        return self.labels[scores.index(max(scores))]


class UnderstandingModel:
    """The heads, loaded together."""

    def __init__(self, heads: dict[str, LinearModel], meta: dict[str, Any]) -> None:
        self.heads = heads
        self.meta = meta

    @property
    def intent(self) -> LinearModel:
        return self.heads["intent"]

    def head(self, name: str) -> LinearModel | None:
        """A head, or None when this model was trained without it."""
        return self.heads.get(name)

    def save(self, path: Path) -> None:
        """Gzipped JSON with a fixed timestamp, so one corpus gives one identical file."""
        data = {"heads": {k: v.to_json() for k, v in sorted(self.heads.items())}, "meta": self.meta}
        raw = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
        # No name and no time in the gzip header: the bytes depend on the model alone.
        with (
            path.open("wb") as f,
            gzip.GzipFile(filename="", fileobj=f, mode="wb", mtime=0) as gz,
        ):
            gz.write(raw)

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> UnderstandingModel:
        """Read a model written by `save`."""
        with gzip.open(path, "rt", encoding="utf-8") as f:
            data = json.load(f)
        heads = {k: LinearModel.from_json(v) for k, v in data["heads"].items()}
        return cls(heads, dict(data.get("meta", {})))


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_PATH) -> UnderstandingModel:
    """A model file, loaded once per process (the shipped one by default)."""
    return UnderstandingModel.load(path)
