"""Apply the quantity convention of WRITING.md to every batch, mechanically.

Authors disagreed whether "a ladder" or 有个梯子 states an amount. The convention (WRITING.md,
`quantity`): an explicit numeral, or "a/an/一" before a measure word ("a bottle", "an extra
loaf", 一盒, 一个), states an amount; "a/an" before a plain noun and 有个/有只 without a
numeral do not. A half (半瓶, "half a bag", 两袋半), "a couple" (two: the shared dev set reads it
so), a dozen (一打) and one number said roughly ("大概十个", "about 20 boxes", "~15") are amounts
too, as a neighbour would read them; so are a range and a round number with more (七八个,
"5 or 6", 十几个, 二十来个, 三十多片): their lower bound, what the author surely has or needs
(independent writers of unseen sets read them so). This script changes only labels the rule
decides:

- a label of 1 with no "one" in the text (no numeral one, no a/an/一 before a measure word)
  becomes null;
- a null label of a sharing message with exactly one such half, couple, dozen, rough number,
  range or round number with more (and no other count) becomes that amount (its lower bound);
- a null label of a one-item message with exactly one "a/an/一 + measure word" that measures
  something ("a huge bag of dog toys", 一盒布洛芬, 蓮霧一箱, "腌笃鲜 一大锅 谁要") becomes 1 of
  that measure word, unless the message states another count, a half or a share (每, each).
  A measure word that is part of the item's name ("a sleeping bag") or followed by another
  noun ("a box fan", 一个轮子) measures nothing.

Run from the repository root: `python corpus/relabel_quantity.py` (idempotent; prints counts).
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.understanding.normalise import fold

BATCHES = Path(__file__).resolve().parent / "batches"

_EN_MEASURE = (
    "bottle", "box", "pack", "packet", "bag", "set", "pair", "jar", "can", "tin", "carton",
    "loaf", "loaves", "roll", "tube", "case", "sachet", "strip", "sheet", "piece",
    "slice", "cup", "bowl", "tray", "kit", "crate", "bucket", "basket", "bar", "container",
    "jug", "pot", "tub", "sack", "batch", "plate", "punnet", "dozen",
    "pouch", "vial", "canister", "barrel", "bundle", "block", "pad", "ream", "spool", "skein",
    "ball", "pallet", "boxful", "bagful", "gallon", "litre", "liter", "slab",
)  # fmt: skip
_ZH_MEASURE = (
    "盒", "个", "瓶", "包", "袋", "支", "根", "板", "罐", "台", "把", "张", "件", "条", "本", "双",
    "套", "箱", "桶", "碗", "杯", "块", "份", "只", "辆", "卷", "管", "贴", "剂", "听", "副", "枚",
    "顶", "床", "盆", "捆", "提", "串", "对", "筒", "扎", "沓", "叠", "座", "部", "片", "粒", "颗",
    "排", "勺", "盘", "锅", "篮", "筐", "兜", "斤", "升", "面", "架", "盏", "口", "樽", "摞", "泡",
)  # fmt: skip
_EN_UNIT = "|".join(sorted(set(_EN_MEASURE), key=len, reverse=True))
_ZH_UNIT = "|".join(sorted(set(_ZH_MEASURE), key=len, reverse=True))
# What follows a measure word when the phrase is a time, a person, a manner or an
# approximation (一盒多), not an amount. "a bunch", "a stack", "a handful" are vague: no measure.
_ZH_NOT_AMOUNT = (
    r"多|下午|上午|晚上|小时|钟头|月|星期|礼拜|周|人(?!份)|儿(?!童)|地方|时候|样|半|点|会|下|些"
)
_DURATION_EN = (
    r"(?:more\s+|other\s+)?(?:night|day|week|hour|month|year|time|minute|sec)"
    r"|another|other(?![a-z])"
)

# "a bottle", "an extra loaf", "a big bag of": an article, up to two words, a measure word.
_EN_A_MEASURE = re.compile(
    rf"(?<![\w$.#-])(?<!in )(?:a|an|one|1)\s+(?:[a-z'-]+\s+){{0,2}}?"
    rf"(?P<unit>{_EN_UNIT})(?:e?s)?(?![a-z])"
)
# "one chair", "1 ladder", "I'll drop one round", Taglish "isa": a numeral one (not a time or
# "no one").
_EN_ONE = re.compile(
    rf"(?<![\w$.#/:-])(?<!no )(?<!any)(?<!some)(?:one|1|isa|a single)(?![\w:/%-])(?!\.\d)"
    rf"(?!\s+(?:{_DURATION_EN}))"
)
_TIMES_ONE = re.compile(r"(?<![\w.])1\s*[x×](?![a-z0-9])|(?<![a-z0-9])[x×]\s*1(?!\d)")
_ZH_ONE = re.compile(
    rf"(?<![第几十一两二三四五六七八九])[一壹1]\s*(?:大|小|整)?\s*(?P<unit>{_ZH_UNIT})(?!{_ZH_NOT_AMOUNT})"
)
# Another count beside the "one", a share per person, or a half: the "one" is not the amount.
_OTHER_COUNT = re.compile(
    rf"(?<![a-z0-9.#-])(?:[2-9]|\d{{2,}})\s*(?:[a-z]|{_ZH_UNIT}|人份|[x×])"
    rf"|[两二三四五六七八九十俩仨几]\s*(?:大|小)?\s*(?:{_ZH_UNIT})"
    r"|(?<![a-z])(?:two|three|four|five|six|seven|eight|nine|ten|twelve|dozens|few|couple)(?![a-z])"
    r"|每|各|一人|一家|一户|最多|半|(?<![a-z])(?:each|per|half)(?![a-z])"
)
# An amount phrase this close to the item name is the item's amount.
_ATTACHED = 8


def _item_spans(text: str, items: object) -> list[tuple[int, int]]:
    spans = []
    for names in items if isinstance(items, list) else []:
        span = _item_at(text, [str(n) for n in names])
        if span is not None:
            spans.append(span)
    return spans


def _item_at(text: str, names: list[str]) -> tuple[int, int] | None:
    for name in names:
        needle = fold(name).text.strip()
        at = text.find(needle) if needle else -1
        if at >= 0:
            return at, at + len(needle)
    return None


def _inside(m: re.Match[str], spans: list[tuple[int, int]]) -> bool:
    return any(s <= m.start("unit") < e for s, e in spans)


# After an English measure word: "of", or a word that starts no compound noun ("a whole box at
# H Mart", "a bag for whoever"); "a box fan", "a can opener" are plain nouns.
_EN_AFTER = re.compile(
    r"\s+(?:of|at|for|in|on|from|to|if|and|or|with|still|left|here|there|that|which|i|you|we|"
    r"my|your|please|free|spare|available|now|size|just|only|is|are|was|sitting|lying|"
    r"would|will|should|could|might|do|does)(?![a-z])"
    r"|\s*(?:[^\w\s]|[\u4e00-\u9fff]|$)"
)
# After 一 + measure word, when it stands alone ("一大锅 谁要", "借一把", "一罐没开", "一箱二十包"):
# not Chinese, or a particle, an adjective or a numeral; "一个插座", "一個鍵" count another noun.
_ZH_AFTER = "的吧啊呀哦喔嘛咧子新旧全没未就还都也一二两三四五六七八九十"


def _measure_phrases(
    text: str, spans: list[tuple[int, int]], *, strict: bool = True
) -> list[re.Match[str]]:
    """Every "a/an/一 + measure word" that measures something (not "a sleeping bag", where the
    measure word is the item's own name, nor "a box fan"). `strict` also leaves out
    一 + measure word before another noun ("一个轮子"): a null label becomes 1 only then."""
    found = []
    for m in _EN_A_MEASURE.finditer(text):
        if _inside(m, spans):
            continue
        if _EN_AFTER.match(text, m.end()) or any(0 <= s - m.end() <= 1 for s, _ in spans):
            found.append(m)
    for m in _ZH_ONE.finditer(text):
        if _inside(m, spans):
            continue
        after = text[m.end() : m.end() + 1]
        if (
            not strict
            or not ("\u4e00" <= after <= "\u9fff")
            or after in _ZH_AFTER
            or any(0 <= s - m.end() <= _ATTACHED for s, _ in spans)
        ):
            found.append(m)
    return found


def _states_one(text: str, spans: list[tuple[int, int]]) -> bool:
    return bool(
        _measure_phrases(text, spans, strict=False)
        or _EN_ONE.search(text)
        or _TIMES_ONE.search(text)
    )


def relabel(row: dict[str, object]) -> tuple[str, dict[str, object]] | None:
    """The change the convention makes to one corpus row, or None."""
    text = fold(str(row["text"])).text
    spans = _item_spans(text, row.get("items"))
    q = row.get("quantity")
    if isinstance(q, dict):
        n = float(q["n"])
        said = _said_amount(text)
        if n == 1 and not _states_one(text, spans) and (said is None or said[0] != 1):
            return "1 without a numeral or a/an/一 + measure word -> null", {
                **row,
                "quantity": None,
            }
        return None
    items = row.get("items") or []
    if row.get("intent") == "none" or not isinstance(items, list) or not items:
        return None
    said = _said_amount(text)
    if said is not None:
        n, unit = said
        return "null with a half, a couple, a dozen or a rough number -> that amount", {
            **row,
            "quantity": {"n": int(n) if n.is_integer() else n, "unit": unit},
        }
    if len(items) != 1:
        return None
    if len(spans) != 1 or _OTHER_COUNT.search(text):
        return None
    phrases = _measure_phrases(text, spans)
    if len(phrases) != 1:
        return None
    m = phrases[0]
    # Folding keeps one character per character: the span cuts the original wording.
    unit = str(row["text"])[m.start("unit") : m.end("unit")]
    return "null with a/an/一 + measure word in a one-item message -> 1", {
        **row,
        "quantity": {"n": 1, "unit": unit},
    }


_ZH_NUM = "一二两三四五六七八九十百俩"
_ZH_VALUE = {"一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9}  # fmt: skip
# 半瓶 (not 大半瓶, 一半, 半个月), 两袋半, "half a bag", "a couple of eggs", 一打, "a dozen",
# 大概十个 / 十个左右 / "about 20 boxes", and the lower bound of 十来个 / 十几个 / 七八个 / "15-20".
_SAID = re.compile(
    rf"(?<![大一多])半\s*(?P<half_unit>{_ZH_UNIT})(?!{_ZH_NOT_AMOUNT}|钟)"
    rf"|(?P<and_half>[{_ZH_NUM}]|\d+)\s*(?P<and_half_unit>{_ZH_UNIT})半(?!{_ZH_NOT_AMOUNT})"
    rf"|(?<![a-z])half an?\s+(?:[a-z'-]+\s+)??(?P<half_en>{_EN_UNIT}|[a-z]+)"
    r"|(?<![a-z])a couple(?: of)?\s+"
    r"(?P<couple>(?!days?|weeks?|hours?|times?|months?|minutes?)[a-z]+)"
    rf"|(?<![{_ZH_NUM}\d初第周期拜])(?P<dozen>[一两])打(?![电针球开孔扫印车听包牌麻工架算卡折])"
    r"|(?<![a-z])a dozen(?![a-z])"
    rf"|(?:大概|大约|差不多)\s*(?P<rough>\d{{1,4}}|[{_ZH_NUM}]{{1,3}})\s*(?P<rough_unit>{_ZH_UNIT})"
    rf"(?![来多几]|{_ZH_NOT_AMOUNT})"
    rf"|(?P<rough2>\d{{1,4}}|[{_ZH_NUM}]{{1,3}})\s*(?P<rough2_unit>{_ZH_UNIT})左右"
    # 十几个, 二十来个, 三十多片, 一百来块: a round number and more
    rf"|(?<![{_ZH_NUM}\d])(?P<more>[1-9]\d*0|[一二两三四五六七八九]?[十百])\s*[来多几]\s*(?:大|小)?\s*"
    rf"(?P<more_unit>{_ZH_UNIT})(?!{_ZH_NOT_AMOUNT})"
    # 七八个, 三四片, 一两片: two neighbouring digits are a range
    rf"|(?<![{_ZH_NUM}\d第])(?P<zh_range>[一两二三四五六七八九]{{2}})\s*(?:大|小)?\s*"
    rf"(?P<zh_range_unit>{_ZH_UNIT})(?!{_ZH_NOT_AMOUNT})"
    # "5 or 6 batteries", "15-20 boxes", "2-3盒"
    r"|(?<![a-z0-9$.#/:-])(?P<en_range>\d{1,3})\s*(?:-|–|~|to|or)\s*\d{1,3}(?![\d.:/%-])\s*"
    r"(?!(?:mins?|minutes?|hours?|hrs?|days?|weeks?|months?|years?|yrs?|yo|y/o|people|pm|am|kg"
    r"|cm|m|km|ft|feet|foot|in|inch|inches|of|to|for|at|on|from|tall|long|wide|high|点|号|楼|岁|元|块钱"
    r"|天|月|年|层|分钟|小时)(?![a-z]))"
    r"(?:[a-z'-]+\s+)??"
    r"(?P<en_range_noun>(?!(?:and|or|the|a|an|all|but|for|with|in|on|at|by|each|per)(?![a-z]))[a-z]+"
    rf"|(?:{_ZH_UNIT})(?!{_ZH_NOT_AMOUNT}))"
    # "about 20, flattened", "~15", "like 10 of them": a rough number standing alone
    r"|(?<![a-z])(?:about|around|roughly|approx\.?|like|maybe|~)\s*(?P<rough_alone>\d{1,4})"
    r"(?=\s*(?:[,.;!)，。]|$|of them|or so|ish|left|total))"
    # "10+ boxes", "20+个": at least that many
    rf"|(?<![a-z0-9.+#-])(?P<plus>\d{{1,4}})\+(?![\d+])\s*(?P<plus_unit>[a-z]+|{_ZH_UNIT})?"
    r"|(?:(?<![a-z])(?:about|around|roughly|approx\.?|like|maybe)\s+|~\s*)(?P<rough_en>\d{1,4})"
    r"(?![\d.,:/-])"
    r"\s+(?!(?:mins?|minutes?|hours?|hrs?|days?|weeks?|months?|years?|people|pm|am|kg|cm|m|km"
    r"|ft|feet|foot|in|inch|inches|of|to|for|at|on|from|tall|long|wide|high|and|or|but|the|a|an|i|we|you)\b)"
    r"(?P<rough_en_noun>[a-z]+)"
)


def _zh_value(numeral: str) -> float | None:
    if numeral.isdigit():
        return float(numeral)
    if numeral in _ZH_VALUE:
        return float(_ZH_VALUE[numeral])
    if numeral == "十":
        return 10.0
    if len(numeral) == 2 and numeral[0] == "十" and numeral[1] in _ZH_VALUE:
        return 10.0 + _ZH_VALUE[numeral[1]]
    if len(numeral) == 2 and numeral[1] in "十百" and numeral[0] in _ZH_VALUE:
        return _ZH_VALUE[numeral[0]] * (10.0 if numeral[1] == "十" else 100.0)
    return None  # 三四 (a range) and anything longer: left alone


def _said_amount(text: str) -> tuple[float, str | None] | None:
    """The one half, couple, dozen or rough number a message states, if it states exactly one
    and no other count."""
    found = list(_SAID.finditer(text))
    if len(found) != 1:
        return None
    m = found[0]
    rest = text[: m.start()] + " " + text[m.end() :]
    if _OTHER_COUNT.search(rest) or _ZH_ONE.search(rest) or _EN_A_MEASURE.search(rest):
        return None
    g = m.groupdict()
    if g["half_unit"]:
        return 0.5, g["half_unit"]
    if g["and_half"]:
        n = _zh_value(g["and_half"])
        return (n + 0.5, g["and_half_unit"]) if n else None
    if g["half_en"]:
        return 0.5, g["half_en"]
    if g["couple"]:
        return 2.0, g["couple"]
    if g["dozen"]:
        n = _zh_value(g["dozen"])
        return (n * 12, "打") if n else None
    if m.group().endswith("dozen"):
        return 12.0, "dozen"
    for key in ("rough", "rough2", "more"):
        if g[key]:
            n = _zh_value(g[key])
            return (n, g[key + "_unit"]) if n else None
    if g["zh_range"]:
        low, high = (_ZH_VALUE.get(c) for c in g["zh_range"])
        ascending = low is not None and high is not None and high == low + 1
        return (float(low), g["zh_range_unit"]) if ascending and low else None
    if g["en_range"]:
        return (float(g["en_range"]), g["en_range_noun"]) if int(g["en_range"]) else None
    if g["plus"]:
        return float(g["plus"]), g["plus_unit"]
    if g["rough_alone"]:
        return float(g["rough_alone"]), None
    return float(g["rough_en"]), g["rough_en_noun"]


def main() -> int:
    counts: Counter[str] = Counter()
    for path in sorted(BATCHES.glob("*.jsonl")):
        lines = path.read_text("utf-8").splitlines()
        out = []
        for line in lines:
            if not line.strip():
                out.append(line)
                continue
            row = json.loads(line)
            change = relabel(row)
            if change is not None:
                counts[change[0]] += 1
                row = change[1]
            out.append(json.dumps(row, ensure_ascii=False))
        path.write_text("\n".join(out) + "\n", "utf-8")
    for reason, n in sorted(counts.items()):
        print(f"{n:5d}  {reason}")
    print(f"{sum(counts.values()):5d}  labels changed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
