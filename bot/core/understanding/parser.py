"""`understand`: one message in, one Parsed out. Deterministic steps, each in its own module."""

from __future__ import annotations

import re

from bot.core.understanding.alias_index import NOT_AN_ITEM, AliasHit
from bot.core.understanding.catalogue import Catalogue, unknown_item
from bot.core.understanding.intent import classify
from bot.core.understanding.model import Parsed, ParsedItem
from bot.core.understanding.normalise import fold
from bot.core.understanding.quantity import choose_quantity, counts_before_items, find_quantities
from bot.core.understanding.repair import is_repair_complaint
from bot.core.understanding.unknown_items import unknown_item_name
from bot.core.understanding.urgency import is_urgent

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
    r"(?<![a-z])(?:on|by|next to|under|beside|outside|behind)\s+(?:the|my|our)\s+$"
)
_LEND = re.compile(r"借|(?<![a-z])(?:lend|lending|borrow|loan)")
# An offer or a request says what it is in its first lines (the corpus's longest is ~100
# characters). Parsing runs on the event loop, so a 4,096-character message must not cost
# more than this many characters' worth of work, whatever shape it has.
MAX_PARSED_CHARS = 1000


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


def _is_place(text: str, hit: AliasHit) -> bool:
    before = text[max(0, hit.start - 12) : hit.start]
    if _PLACE_BEFORE.search(before) and _PLACE_AFTER.match(text, hit.end):
        return True
    return bool(_PLACE_BEFORE_EN.search(before))


def understand(text: str, catalogue: Catalogue, *, reply_to: Parsed | None = None) -> Parsed:
    """Parse one chat message; `reply_to` is the parsed message it replies to, if any."""
    head = text[:MAX_PARSED_CHARS]
    folded = fold(head)
    hits = [h for h in catalogue.scan(folded.text) if h.key != NOT_AN_ITEM]
    payment = _payment_spans(folded.text)
    if payment:
        kept = [h for h in hits if _outside(payment, h.start)]
        hits = kept or hits
    if len({h.key for h in hits}) > 1:
        kept = [h for h in hits if not _BROKEN_AFTER.match(folded.text, h.end)]
        hits = kept or hits
    hits = [h for h in hits if not _is_place(folded.text, h)]
    items = _items(catalogue, hits, [folded.source(h.start, h.end) for h in hits])

    verdict = classify(folded.text, has_items=bool(items))
    intent = verdict.intent
    tags = set(verdict.tags)

    # "+1" under an offer means "me too, please"; under a request the corpus reads it as "I have".
    if reply_to is not None and reply_to.intent == "offer" and text.strip() in ("+1", "＋1"):
        intent = "request"
    # "我有" under a request offers what was asked; "me please" under an offer asks for it.
    if (
        reply_to is not None
        and not items
        and "reply" in tags
        and (intent, reply_to.intent) in (("offer", "request"), ("request", "offer"))
    ):
        items = list(reply_to.items)

    if not items and intent != "none":
        typo = catalogue.fuzzy_item_in(folded.text)
        if typo is not None:
            key, start, end = typo
            items = [catalogue.item(key, folded.source(start, end))]
    if not items and intent != "none":
        name = unknown_item_name(folded)
        if name:
            close = catalogue.fuzzy_key(name)
            items = [catalogue.item(close, name) if close else unknown_item(name)]

    quantity = None
    if intent != "none":
        mentions = find_quantities(folded)
        if not mentions:
            spans = [(h.start, h.end) for h in hits if h.key in {i.canonical for i in items}]
            mentions = counts_before_items(folded, spans)
        mentions = [q for q in mentions if _outside(payment, q.start)]
        quantity = choose_quantity(mentions, len(items))

    if intent == "offer" and _LEND.search(folded.text):
        tags.add("lend")
    repair = intent == "none" and is_repair_complaint(folded.text)
    return Parsed(
        text=text,
        intent=intent,
        items=tuple(items),
        quantity=quantity,
        urgent=is_urgent(folded.text, head),
        repair=repair,
        tags=frozenset(tags),
    )
