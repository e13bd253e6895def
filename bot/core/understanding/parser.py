"""`understand`: one message in, one Parsed out. Deterministic steps, each in its own module."""

from __future__ import annotations

import re

from bot.core.understanding.alias_index import NOT_AN_ITEM, AliasHit
from bot.core.understanding.catalogue import Catalogue, unknown_item
from bot.core.understanding.features import features, mask
from bot.core.understanding.intent import IntentVerdict, classify
from bot.core.understanding.intent_model import UnderstandingModel, load_model
from bot.core.understanding.item_tagger import item_spans
from bot.core.understanding.medicine_safety import guard_medicines
from bot.core.understanding.model import Parsed, ParsedItem
from bot.core.understanding.normalise import Folded, fold
from bot.core.understanding.quantity import (
    QuantityMention,
    choose_quantity,
    counts_before_items,
    find_quantities,
)
from bot.core.understanding.quantity_choice import choose
from bot.core.understanding.repair import is_repair_complaint
from bot.core.understanding.unknown_items import clean_item_name, unknown_item_name
from bot.core.understanding.urgency import is_emergency, is_shouted, is_urgent, urgency_cues

# In a swap the author's own goods are the payment, not the thing asked for.
_SWAP = re.compile(r"换|(?<![a-z])(?:swap|trade|exchange)(?![a-z])")
_PAYMENT_CLAUSE = re.compile(
    r"我拿|我用|我出|跟你换|和你换"
    r"|(?<![a-z])(?:i've got|i have|i got|i'll give|in exchange)(?![a-z])"
)
_CLAUSE_END = re.compile(r"[,，。.!！?？;；\n]|(?<![a-z])and(?![a-z])")
# "篮球没气了", "my charger died": the broken thing explains the need; it is not asked for.
_BROKEN_AFTER = re.compile(
    r"(?:也|又|都|的)?"
    r"(?:没气|松了|坏|卡住|卡了|开上了|不亮|漏|没电|堵|破了|丢了|找不到|用不了|不能用|不转)"
    r"|\s*(?:is |was |just |has |'s )?"
    r"(?:broke|broken|died|dead|stopped working|leaking|stuck|jammed|went flat|is flat|popped)"
    r"(?![a-z])"
)
# "放在门口鞋柜上，自己来取", "it's on the shoe rack by my door": a place to pick up from,
# not a thing offered.
_PLACE_BEFORE = re.compile(r"(?:放在|放到|放|搁在|搁|挂在|摆在|在)[^，,。.!！?？\s]{0,6}$")
_PLACE_AFTER = re.compile(r"(?:上面|上|里面|里|旁边|边上|下面|下|门口|那儿|那里)")
_PLACE_BEFORE_EN = re.compile(
    r"(?<![a-z])(?:on|by|at|next to|under|beside|outside|behind)\s+(?:the|my|our)\s+"
    r"(?:front |back |lobby |security |reception |shoe |mail )?$"
)
_LEND = re.compile(r"借|(?<![a-z])(?:lend|lending|borrow|loan)")
# "求借一个梯子，换灯泡用", "a ladder to change a bulb": the second thing is what the first is
# for, not a second request.
_PURPOSE_BEFORE = re.compile(
    r"(?:换|修|装|挂|拧|钉|剪|切|做|煮|炖|蒸|烤|洗|擦|补|粘|贴|搬|抬)(?:个|一下|下|一个)?$"
    r"|(?<![a-z])(?:to|for) (?:change|changing|fix|fixing|hang|hanging|replace|replacing|"
    r"put up|putting up|cook|cooking|move|moving|clean|cleaning) (?:a |an |the |my |our |some )?$"
)
_PURPOSE_AFTER = re.compile(r"\s*(?:用|的时候|(?<![a-z])with it)")
# "2 eggs for a cake", "a charger for a macbook", "a pot for pasta": after another item, what
# follows "for" is what the item is for, not a second thing wanted.
_FOR_BEFORE = re.compile(
    r"(?<![a-z])for (?:a |an |the |my |our |his |her |their |some |your )?(?:[a-z'-]+ ){0,2}$"
)


def _payment_spans(text: str) -> list[tuple[int, int]]:
    if not _SWAP.search(text):
        return []
    spans = []
    start = 0
    for m in [*_CLAUSE_END.finditer(text), None]:
        end = m.start() if m else len(text)
        if _PAYMENT_CLAUSE.search(text, start, end):
            spans.append((start, end))
        start = m.end() if m else end
    return spans


def _outside(spans: list[tuple[int, int]], pos: int) -> bool:
    return not any(s <= pos < e for s, e in spans)


def _items(catalogue: Catalogue, hits: list[AliasHit], source: list[str]) -> list[ParsedItem]:
    items: list[ParsedItem] = []
    seen: set[str] = set()
    for hit, name in zip(hits, source, strict=True):
        if hit.key in seen:
            continue
        seen.add(hit.key)
        items.append(catalogue.item(hit.key, name))
    # "退烧药…对乙酰氨基酚": the member says more than its category.
    named = {i.canonical for i in items}
    return [
        i
        for i in items
        if not any(i.canonical in catalogue.categories_of(other) for other in named)
    ]


def _for_another(text: str, span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    """Whether an item span says what an earlier item is for ("eggs for a cake")."""
    if not any(other[1] <= span[0] for other in spans):
        return False
    return _FOR_BEFORE.search(text[max(0, span[0] - 30) : span[0]]) is not None


def _is_purpose(text: str, hit: AliasHit) -> bool:
    before = text[max(0, hit.start - 24) : hit.start]
    if not _PURPOSE_BEFORE.search(before):
        return False
    # Chinese says so after the thing ("换灯泡用"); English before it ("to change a bulb").
    return bool(_PURPOSE_AFTER.match(text, hit.end)) or before.endswith(" ") or "to " in before


# A reply that is only an item and an amount ("ibuprofen ×2盒", "布洛芬 x2"): under a request
# it offers that amount, under an offer it asks for it. Nothing but these may be left over.
_FRAGMENT_REST = re.compile(r"[\s,，.。:：!！~～+*/、x×]*")


def _fragment_reply(folded: Folded, hits: list[AliasHit], mentions: list[QuantityMention]) -> bool:
    if not mentions:
        return False
    taken = sorted([(h.start, h.end) for h in hits] + [(m.start, m.end) for m in mentions])
    rest = []
    pos = 0
    for start, end in taken:
        if start > pos:
            rest.append(folded.text[pos:start])
        pos = max(pos, end)
    rest.append(folded.text[pos:])
    return all(_FRAGMENT_REST.fullmatch(part) for part in rest)


def _is_place(text: str, hit: AliasHit) -> bool:
    before = text[max(0, hit.start - 24) : hit.start]
    if _PLACE_BEFORE.search(before) and _PLACE_AFTER.match(text, hit.end):
        return True
    return bool(_PLACE_BEFORE_EN.search(before))


# Long pastes are not sharing messages; the cap keeps every pattern's work bounded.
MAX_CHARS = 1000


# "安 眠 葯 仲 有 半 排": elderly residents' handwriting input puts a space after every
# character. Such a message is read with the spaces between Chinese characters taken out.
_SPACED_HAN = re.compile(r"(?<=[\u4e00-\u9fff])[ \u3000](?=[\u4e00-\u9fff])")


def prepared(text: str) -> str:
    """The part of a message the parser reads, spaced handwriting closed up."""
    head = text[:MAX_CHARS]
    if len(_SPACED_HAN.findall(head)) >= 4:
        return _SPACED_HAN.sub("", head)
    return head


def _item_hits(catalogue: Catalogue, folded: Folded) -> list[AliasHit]:
    return [h for h in catalogue.scan(folded.text) if h.key != NOT_AN_ITEM]


def _features(folded: Folded, hits: list[AliasHit], reply_to: str | None) -> list[str]:
    masked = mask(folded.text, [(h.start, h.end) for h in hits])
    return features(masked, reply_to=None if reply_to is None else f"re={reply_to}")


def model_features(text: str, catalogue: Catalogue, reply_to: str | None = None) -> list[str]:
    """What the intent head reads of a message (`reply_to`: the quoted message's intent)."""
    folded = fold(prepared(text))
    return _features(folded, _item_hits(catalogue, folded), reply_to)


def urgency_features(
    feats: list[str], folded_text: str, original: str, *, emergency: bool | None = None
) -> list[str]:
    """The urgency head reads the intent features and whether urgent words occur
    (`emergency`: is_emergency of the text, when the caller knows it already)."""
    flags = []
    if is_urgent(folded_text, original):
        flags.append("lex=urgent")
    if is_emergency(folded_text) if emergency is None else emergency:
        flags.append("lex=emergency")
    return [*feats, *flags, *urgency_cues(folded_text, original)]


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _overlaps_any(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(_overlaps(span, other) for other in spans)


# At most this many names the catalogue does not know, from one message: more is a list
# pasted or a run-on the tagger broke into pieces, not things offered one by one.
MAX_UNKNOWN_ITEMS = 3


def _tagged_items(
    catalogue: Catalogue, folded: Folded, hits: list[AliasHit], spans: list[tuple[int, int]]
) -> list[ParsedItem]:
    """Catalogue items, then the names the tagger found that the catalogue does not know."""
    items = _items(catalogue, hits, [folded.source(h.start, h.end) for h in hits])
    seen = {i.canonical for i in items}
    added = 0
    for span in spans:
        if added == MAX_UNKNOWN_ITEMS:
            break
        if any(_overlaps(span, (h.start, h.end)) for h in hits):
            continue
        # "测血压的(东西)": a name ending in 的 is a description; the catalogue may know its head.
        name = clean_item_name(folded.source(*span)).removesuffix("的")
        cjk = any("\u4e00" <= ch <= "\u9fff" for ch in name)
        # One Latin word of one or two letters ("ok", "pm"), or one Chinese character (板, 个:
        # measure words), is never a name the catalogue does not know.
        if len(name) < (2 if cjk else 3):
            continue
        close = catalogue.fuzzy_key(name)
        item = catalogue.item(close, name) if close else unknown_item(name)
        if item.canonical in seen:
            continue
        seen.add(item.canonical)
        items.append(item)
        added += 1
    return items


def quantity_mentions(folded: Folded, item_places: list[tuple[int, int]]) -> list[QuantityMention]:
    """Every stated amount that could be the item's, in reading order (not a swap's payment)."""
    mentions = find_quantities(folded)
    counted = counts_before_items(folded, item_places)
    # "need 2 folding chairs": the count with its noun beats the bare "need 2".
    counted_at = {c.start for c in counted}
    mentions = [m for m in mentions if m.quantity.unit is not None or m.start not in counted_at]
    mentions += [c for c in counted if not any(m.start <= c.start < m.end for m in mentions)]
    payment = _payment_spans(folded.text)
    return sorted((q for q in mentions if _outside(payment, q.start)), key=lambda q: q.start)


def understand(
    text: str,
    catalogue: Catalogue,
    *,
    reply_to: Parsed | None = None,
    model: UnderstandingModel | None = None,
) -> Parsed:
    """Parse one chat message; `reply_to` is the parsed message it replies to, if any."""
    model = model or load_model()
    folded = fold(prepared(text))
    all_hits = _item_hits(catalogue, folded)
    feats = _features(folded, all_hits, None if reply_to is None else reply_to.intent)
    verdict = classify(folded.text, feats, model.intent)
    fragment = (
        reply_to is not None
        and reply_to.intent in ("offer", "request")
        and _fragment_reply(folded, all_hits, find_quantities(folded))
    )
    if fragment and reply_to is not None:
        verdict = IntentVerdict("offer" if reply_to.intent == "request" else "request")
    intent = verdict.intent
    tags = set(verdict.tags)

    hits = all_hits
    payment = _payment_spans(folded.text)
    if payment:
        kept = [h for h in hits if _outside(payment, h.start)]
        hits = kept or hits
    if len({h.key for h in hits}) > 1:
        kept = [h for h in hits if not _BROKEN_AFTER.match(folded.text, h.end)]
        hits = kept or hits
    hits = [h for h in hits if not _is_place(folded.text, h)]
    dropped: list[tuple[int, int]] = []
    if len({h.key for h in hits}) > 1:
        dropped = [(h.start, h.end) for h in hits if _is_purpose(folded.text, h)]
        if len(dropped) < len(hits):
            hits = [h for h in hits if (h.start, h.end) not in dropped]
        else:
            dropped = []
    tagger = model.head("items") if intent != "none" else None
    spans = item_spans(tagger, folded.text, [(h.start, h.end) for h in hits]) if tagger else []
    spans = [sp for sp in spans if _outside(payment, sp[0]) and not _overlaps_any(sp, dropped)]
    places = [(h.start, h.end) for h in hits] + spans
    purposes = [sp for sp in places if _for_another(folded.text, sp, places)]
    hits = [h for h in hits if (h.start, h.end) not in purposes]
    spans = [sp for sp in spans if sp not in purposes]
    if spans:
        items = _tagged_items(catalogue, folded, hits, spans)
    else:
        items = _items(catalogue, hits, [folded.source(h.start, h.end) for h in hits])

    # "+1" / "我也要" / "我有" answering a message: the item is the one it answers about.
    if reply_to is not None and intent != "none" and reply_to.items:
        named = [i for i in items if i.known]
        if not named:
            items = list(reply_to.items)
            tags.add("reply")

    if not items and intent != "none":
        typo = catalogue.fuzzy_item_in(folded.text)
        if typo is not None:
            key, start, end = typo
            items = [catalogue.item(key, folded.source(start, end))]
    if not items and intent != "none" and reply_to is None:
        name = unknown_item_name(folded)
        if name:
            close = catalogue.fuzzy_key(name)
            items = [catalogue.item(close, name) if close else unknown_item(name)]
    items = guard_medicines(
        items, folded.text, quoted_restricted=reply_to is not None and reply_to.restricted
    )

    quantity = None
    if intent != "none":
        item_places = spans or [(h.start, h.end) for h in hits]
        mentions = quantity_mentions(folded, item_places)
        # "for a birthday cake" says what the item is for, not how much of it is wanted.
        mentions = [m for m in mentions if not _overlaps_any((m.start, m.end), purposes)]
        chooser = model.head("quantity")
        if fragment:
            # The reply is the amount and nothing else: it is the amount.
            quantity = choose_quantity(mentions, 1)
        elif len(items) >= 2 and len({(m.quantity.n, m.quantity.unit) for m in mentions}) >= 2:
            # "感冒灵3包、布洛芬4粒": each item has its own amount; no one amount is the message's.
            quantity = None
        elif chooser is not None:
            quantity = choose(chooser, folded.text, mentions, item_places, intent)
        else:
            quantity = choose_quantity(mentions, len(items))

    if intent == "offer" and _LEND.search(folded.text):
        tags.add("lend")
    # Someone in danger, or a shout for speed, is urgent whatever the model says: a missed
    # emergency costs more than a needless hurry.
    in_danger = is_emergency(folded.text)
    # Danger first, whatever else the message names ("heart attack, where is the AED").
    emergency = in_danger
    urgency = model.head("urgency")
    if urgency is not None:
        urgent = (
            in_danger
            or is_shouted(text)
            or urgency.best(urgency_features(feats, folded.text, text, emergency=in_danger))
            == "urgent"
        )
    else:
        urgent = in_danger or is_urgent(folded.text, text)
    repair = intent == "none" and not emergency and is_repair_complaint(folded.text)
    return Parsed(
        text=text,
        intent=intent,
        items=tuple(items),
        quantity=quantity,
        urgent=urgent or emergency,
        repair=repair,
        tags=frozenset(tags),
        confidence=verdict.confidence,
        unsure=verdict.unsure,
        closing="closed" in tags,
        emergency=emergency,
    )
