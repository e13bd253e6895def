"""Offer, request or neither: categorical rules first, then the learned model.

Only verdicts that hold whatever the phrasing are rules here: a link or a scam phrase is
spam, and an asking price means selling (unless the author asks to buy from neighbours).
Everything else — how people offer, ask, thank, complain, notice — is learnt from the
corpus by the model (intent_model.py), which also says how sure it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.understanding.intent_model import Label, LinearModel, Prediction
from bot.core.understanding.model import Intent

# Patterns are bounded (no nested or adjacent unbounded repeats over the same characters), so
# each runs in time linear in the message.
_SPAM = re.compile(
    r"https?://|www\.|bit\.ly|t\.me/|\.com\b"
    r"|扫码|优惠券|红包群|领红包|加微信|代购|兼职|刷单|日赚|点击链接"
    r"|(?<![a-z])(?:click here|claim your|congratulations|promo code|giveaway link)(?![a-z])"
)
# A price: "50块", "¥30", "30 rmb", "$600", "20 dollars", "HK$100", "NT$200".
_PRICE = re.compile(
    r"(?<![\d.])\d{1,7}(?:\.\d{1,2})?\s?(?:块钱?|元|rmb|dollars?|bucks|蚊|文)(?![a-z])"
    r"|[¥￥$]\s?\d{1,7}"
    r"|(?<![a-z])(?:obo|venmo|paypal)(?![a-z])"
)
# "按药店价格卖我", "buy one from you": paying a neighbour is still asking them for the thing.
_BUYING_FROM_NEIGHBOURS = re.compile(
    r"卖我|卖给我|卖点给我|转我"
    r"|(?<![a-z])buy (?:it|one|some|them) (?:off|from) (?:you|a neighbou?r)"
)
# Below this the model's best label is a guess: the author is asked rather than the group told.
SURE_AT = 0.6


@dataclass(frozen=True)
class IntentVerdict:
    """The intent, how sure (1.0 for a rule), and why (tags: spam, selling, closed…)."""

    intent: Intent
    confidence: float = 1.0
    tags: frozenset[str] = frozenset()
    unsure: bool = False


def rule_verdict(folded_text: str) -> IntentVerdict | None:
    """A categorical verdict, or None when the model must decide."""
    if _SPAM.search(folded_text):
        return IntentVerdict("none", tags=frozenset({"spam"}))
    if _PRICE.search(folded_text) and not _BUYING_FROM_NEIGHBOURS.search(folded_text):
        return IntentVerdict("none", tags=frozenset({"selling"}))
    return None


def model_verdict(prediction: Prediction) -> IntentVerdict:
    """The model's label as an intent: closing words are `none`, tagged "closed"."""
    label = Label(prediction.label)
    tags = frozenset({"closed"}) if label is Label.CLOSING else frozenset()
    intent: Intent = "none" if label in (Label.NONE, Label.CLOSING) else label.value  # type: ignore[assignment]
    sharing = prediction.probabilities.get(Label.OFFER, 0.0) + prediction.probabilities.get(
        Label.REQUEST, 0.0
    )
    # Unsure: the best guess is weak and sharing is among the likely readings.
    unsure = prediction.confidence < SURE_AT and (intent != "none" or sharing >= 1 - SURE_AT)
    return IntentVerdict(intent, prediction.confidence, tags, unsure)


def classify(folded_text: str, feats: list[str], model: LinearModel) -> IntentVerdict:
    """Rules first, then the model."""
    return rule_verdict(folded_text) or model_verdict(model.predict(feats))
