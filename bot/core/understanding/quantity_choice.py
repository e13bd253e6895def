"""Which stated number is the amount offered or asked for: a learned choice among mentions.

quantity.py finds every number with a measure word ("两盒", "3 boxes", "x2"); whether one is
the amount of the item, a size ("三升的电饭煲"), a length, a price or a floor depends on the
words around it — which the quantity head learns from the corpus.
"""

from __future__ import annotations

import re

from bot.core.understanding.intent_model import LinearModel
from bot.core.understanding.model import Quantity
from bot.core.understanding.quantity import QuantityMention

_APPROX = re.compile(r"大概|大约|约|左右|来|多|几|差不多|about|around|roughly|approx|~|or so")
# A share per person or household ("每家可以分两条", "2 each"): not the amount on offer.
_EACH = re.compile(r"每|各|一人|一家|一户|(?<![a-z])(?:each|per|apiece)(?![a-z])")
# "a couple", "a dozen", "a pair of" are numbers said in words, not an article before a noun.
_ARTICLE = re.compile(r"an?\s(?!couple|dozen|pair of)")
_ONE = re.compile(r"(?:one|1)(?![\d.])|一")


def _kind(text: str, mention: QuantityMention) -> str:
    """How the number is written: an article ("a bottle"), a one ("one chair", 一盒), digits,
    or a number word."""
    head = text[mention.start : mention.start + 4]
    if _ARTICLE.match(head):
        return "art"
    if _ONE.match(head):
        return "one"
    return "digit" if head[:1].isdigit() else "word"


def _same_unit(a: Quantity, b: Quantity) -> bool:
    """A bare count goes with a measured amount before or after it ("3 boxes … leaving 2")."""
    return a.unit == b.unit or a.unit is None or b.unit is None


IS_AMOUNT = "amount"
# Below this no mention is taken as the amount: better none than a wrong one.
TAKE_AT = 0.2


def mention_features(
    text: str,
    mentions: list[QuantityMention],
    index: int,
    item_spans: list[tuple[int, int]],
    intent: str,
) -> list[str]:
    """What the quantity head reads of one number mention (`mentions[index]`) in folded text."""
    mention = mentions[index]
    count = len(mentions)
    q = mention.quantity
    before = text[max(0, mention.start - 4) : mention.start]
    after = text[mention.end : mention.end + 4]
    feats = [
        "u=" + (q.unit or "-"),
        # Only whether the number is a fraction: how big a count is says little about whether
        # it is the amount ("十二个土鸡蛋" is, "三升的电饭煲" is not).
        "n=" + ("frac" if q.n < 1 else "whole"),
        "intent=" + intent,
        "count=" + (str(count) if count < 3 else "3+"),
        "pos="
        + (
            "only"
            if count == 1
            else "first"
            if index == 0
            else "last"
            if index == count - 1
            else "mid"
        ),
        "b1=" + before[-1:],
        "b2=" + before[-2:],
        "a1=" + after[:1],
        "a2=" + after[:2],
        "b1&u=" + before[-1:] + "&" + (q.unit or "-"),
        "a1&u=" + after[:1] + "&" + (q.unit or "-"),
    ]
    # English reads by words: the word before the number and the one after the mention.
    words_before = text[max(0, mention.start - 24) : mention.start].split()
    words_after = text[mention.end : mention.end + 24].split()
    feats.append("wb1=" + (words_before[-1] if words_before else "^"))
    feats.append("wa1=" + (words_after[0] if words_after else "$"))
    if any(s < mention.end and mention.start < e for s, e in item_spans):
        feats.append("covers_item")  # "2 spare ladders": the count and its noun together
    if _APPROX.search(text, max(0, mention.start - 6), min(len(text), mention.end + 3)):
        feats.append("approx")
    if _EACH.search(text, max(0, mention.start - 6), min(len(text), mention.end + 6)):
        feats.append("each")
    # "有两根，借你一根", "I have 2, can lend one": a smaller amount of the same thing after a
    # larger one is what is given out of a stock — read with the intent, since "need 4 chairs,
    # I only have 2" asks for the larger.
    if any(o.quantity.n > q.n for o in mentions[:index] if _same_unit(o.quantity, q)):
        feats.append("part_of_stock&" + intent)
    if any(o.quantity.n < q.n for o in mentions[index + 1 :] if _same_unit(o.quantity, q)):
        feats.append("stock_given_from&" + intent)
    kind = _kind(text, mention)
    covers = any(s < mention.end and mention.start < e for s, e in item_spans)
    feats.append("k=" + kind)
    # "a sewing kit", "a pot": an article before the item's own name is no amount; "a bag of".
    feats.append(f"k&cover={kind}&{covers}")
    feats.append(f"k&a1={kind}&{after[:1]}")
    # "a bottle of soy sauce", "a couple of eggs": a measure word and "of" measure what follows.
    feats.append(f"k&wa1={kind}&{words_after[0] if words_after else '$'}")
    feats.append(f"k&intent={kind}&{intent}")
    if item_spans:
        gaps = [
            (
                s - mention.end
                if s >= mention.end
                else mention.start - e
                if e <= mention.start
                else 0
            )
            for s, e in item_spans
        ]
        gap = min(gaps)
        side = "before" if any(s >= mention.end for s, _ in item_spans) else "after"
        feats.append(
            "gap=" + ("0" if gap <= 0 else "1-2" if gap <= 2 else "3-8" if gap <= 8 else "far")
        )
        feats.append("side=" + side)
    else:
        feats.append("noitem")
    return feats


def choose(
    model: LinearModel,
    text: str,
    mentions: list[QuantityMention],
    item_spans: list[tuple[int, int]],
    intent: str,
) -> Quantity | None:
    """The mention most likely to be the amount, if the head is sure enough of one."""
    best: tuple[float, Quantity] | None = None
    for i, mention in enumerate(mentions):
        if mention.quantity.n <= 0:
            continue
        p = model.predict(mention_features(text, mentions, i, item_spans, intent)).probabilities[
            IS_AMOUNT
        ]
        if p >= TAKE_AT and (best is None or p > best[0]):
            best = (p, mention.quantity)
    return best[1] if best else None
