"""Amounts as residents state them: 两盒, 半瓶, 两袋半, 一打, 5 个, a couple of bags, 2x.

A range or a round number with more (三四片, 十几个, "5 or 6", "about 20") is read as its lower
bound, what the author surely has or needs (corpus/WRITING.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import cn2an

from bot.core.understanding.model import Quantity
from bot.core.understanding.normalise import Folded, fold

_ZH_UNITS = (
    "人份", "毫升", "盒", "个", "瓶", "包", "片", "粒", "颗", "袋", "支", "根", "板", "罐", "台",
    "把", "张", "件", "条", "本", "双", "套", "箱", "桶", "斤", "碗", "杯", "块", "份", "只", "辆",
    "卷", "管", "贴", "剂", "听", "副", "枚", "顶", "床", "盆", "捆", "提", "串", "对", "勺", "升",
    "筒", "枝", "扎", "沓", "叠", "座", "部", "盘", "节", "锅", "缸", "摞", "兜", "排", "樽", "架",
    "棵", "株",
    "壶", "碟", "篮", "筐", "组",
)  # fmt: skip
# Longest first: 人份 before 份.
_ZH_UNIT = "|".join(sorted(set(_ZH_UNITS), key=len, reverse=True))
_RANGE_DIGITS = "一二两三四五六七八九"
_RANGE_VALUES = (1, 2, 2, 3, 4, 5, 6, 7, 8, 9)
# A measure word followed by these is a duration or a person, not an amount (一个下午).
_ZH_NOT_AMOUNT = (
    "多?(?:下午|上午|晚上|小时|钟头|月|星期|礼拜|周)|人(?!份)|儿(?!童)|地方|时候|样|半小时"
)
_ZH_QTY = re.compile(
    r"(?<![第\d.\-大几])"
    r"(?P<num>\d+(?:\.\d+)?|[零一二两三四五六七八九十百千俩仨壹贰叁肆伍陆陸柒捌玖佰]+|半"
    r"|(?<![a-z])(?:one|two|three|four|five|six|seven|eight|nine|ten)(?=\s*[\u4e00-\u9fff]))"
    r"\s*(?P<approx>来|多|几)?\s*(?:整|大|小)?\s*"
    rf"(?P<unit>{_ZH_UNIT})"
    rf"(?!{_ZH_NOT_AMOUNT})"
    # 两袋半, 一盒半: and a half (not 一个半小时, a duration)
    r"(?P<half>半(?!小时|钟|天|年|月|夜))?"
)
# 一打鸡蛋, 两打: dozens (not 初二打牌, 打电话, 打针).
_ZH_DOZEN = re.compile(
    r"(?<![\d一二两三四五六七八九十初第期拜])(?P<num>[一两半])打(?![电针球开孔扫印车听包牌麻工架算卡折])"
)
_DOZEN_OF = {"一": 12.0, "两": 24.0, "半": 6.0}

_EN_UNITS = (
    "box", "bottle", "bag", "pack", "packet", "can", "jar", "cup", "kit", "test", "mask",
    "tablet", "pill", "capsule", "piece", "roll", "tube", "dose", "sachet", "pair", "set",
    "loaf", "carton", "tin", "bowl", "plate", "slice", "bar", "strip", "sheet", "diaper", "egg",
    "item", "book", "toy", "bunch", "jug", "gallon", "pound", "lb", "spoon", "teaspoon",
    "tablespoon", "container", "tray", "pot", "case", "battery", "loaves", "pcs", "pc",
    "ticket", "tix", "cake", "strand", "spool", "vial", "pen", "dozen", "skein", "punnet",
)  # fmt: skip
_EN_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "a pair of": 2, "a dozen": 12, "a couple of": 2, "a couple": 2,
    "half a": 0.5, "a": 1, "an": 1,
}  # fmt: skip
# "a few doses", "a lot of bags": an article before these is no amount.
_VAGUE = {"few", "lot", "lots", "bit", "ton", "tons", "little", "bunch"}
_EN_NUM = "|".join(re.escape(w) for w in sorted(_EN_WORDS, key=len, reverse=True))
_EN_UNIT = "|".join(sorted(_EN_UNITS, key=len, reverse=True))
_EN_QTY = re.compile(
    rf"(?<![$\w.\-])(?<!size )(?P<num>\d+(?:\.\d+)?|{_EN_NUM})\s+"
    # up to two words between ("3 unopened boxes"), never another number ("500 3 tablets")
    r"(?P<gap>(?:(?!\d)[a-z0-9'-]+\s+){0,2}?)"
    rf"(?P<unit>{_EN_UNIT})(?:e?s)?\b"
)
_EN_BARE_OF = re.compile(
    rf"(?:^|\b(?:extra|spare|leftover|another|free)\s+)(?P<unit>{_EN_UNIT})\s+of\b"
)
# "can I take 2?", "need 3": a bare count right after a verb of taking or having.
_EN_BARE_COUNT = re.compile(
    r"(?<![a-z])(?:take|have|need|want|spare|give me|get|grab|got|like|love|lend|borrow|save me|"
    r"keep|drop|leaving|leave|just|only|even)\s+"
    r"(?P<num>\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|a couple)(?![\w.%:/-])"
    # "got 12 people", "only need 1 min": people and time, not things
    r"(?!\s*(?:people|persons|pax|ppl|guests|of us|kids|min|mins|minutes?|hours?|hrs?|days?|"
    r"weeks?|nights?|pm|am|years?|yrs?|yo)(?![a-z]))"
)
# "12 left", "3 nos", "4 of them", "6 remaining": a count of the things themselves.
_EN_COUNT_OF_THEM = re.compile(
    r"(?<![\w$.#-])(?P<num>\d{1,3}|two|three|four|five|six|seven|eight|nine|ten|twelve)\s+"
    r"(?:left|remaining|nos|of them|extra|spare)(?![a-z])"
)
# "5 or 6 batteries", "15-20 boxes", "2-3盒": a range, read as its lower bound.
_RANGE = re.compile(
    r"(?<![a-z0-9$¥€£.#/:-])(?P<num>\d{1,3}|[一二两三四五六七八九十]{1,3})"
    r"\s*(?:-|–|~|to|or|到|至)\s*(?P<high>\d{1,3}|[一二两三四五六七八九十]{1,3})(?![\d.:/%-])"
    # not times, ages, sizes, durations or prices ("2-3 days", "0-6个月", "5-10 mins", "2-3
    # seater", "7-8码")
    r"(?!\s*(?:mins?|minutes?|hours?|hrs?|days?|nights?|wks?|weeks?|months?|years?|yrs?|yo|y/o|"
    r"pm|am|kg|cm|m|km|ft|feet|in|inch|inches|people|ppl|person|kids|floor|seater|times|"
    r"[点号楼岁元天年层码次周日月]|个月|个人|块钱|分钟|小时|星期)(?![a-z]))"
)
# "一次吃一两片", "take 1-2 tablets every 6 hours": a dose, not what is given ("can I take 2?"
# is no dose: English doses are told by what follows).
_DOSE_BEFORE = re.compile(r"(?:一次|每次|一天|每天|一日|每日|一顿|每顿)[吃服用]?$")
_DOSE_AFTER = re.compile(
    r"[a-z ]{0,14}?(?:every \d|a day|per day|daily|times a day|x a day)(?![a-z])"
)
# "about 20, already flattened", "~15", "like 10 of them": one number said roughly, alone.
_ROUGH_ALONE = re.compile(
    r"(?:(?<![a-z])(?:about|roughly|approx\.?|approximately|like|maybe|probably|at least)\s+"
    r"|~\s*)(?P<num>\d{1,4})"
    r"(?=\s*(?:[,;!)，。]|\.(?!\d)|$|or so|ish|left|total|(?:of|from|or|and|maybe|still|if"
    r"|here|there|spare|going|sitting|lying)(?![a-z])))"
    # "30 maybe more", "20 or more": at least that many
    r"|(?<![a-z0-9.#$¥£€-])(?P<more>\d{1,4})\s+(?:maybe|or|possibly|prob(?:ably)?)\s+more(?![a-z])"
    # "10+", "20+个": at least that many (not "ages 3+", "18+ game", "10+层")
    r"|(?<![a-z0-9.+#-])(?P<plus>\d{1,4})\+(?![\d+])"
    r"(?!\s*(?:years?|yrs?|yo|games?|rated|floors?|stor(?:e)?ys?|[层楼岁级年])(?![a-z]))"
)
# "I'll be home about 8", "pick it up like 6": a time, not an amount
_TIME_BEFORE = re.compile(
    r"(?<![a-z])(?:at|by|until|till|home|back|come|came|pick(?:ed)? (?:it )?up|arrive|leave|"
    r"before|after|from|since|around)\s+(?:about |like |~)?$"
)
_TIMES = re.compile(
    r"(?<![\w.])(?P<n>\d{1,3})\s*[x×](?![a-z0-9])|(?<![a-z0-9])[x×]\s*(?P<m>\d{1,3})\b"
)


_LATIN = re.compile(r"[a-z]")
_ZH_LABEL_BEFORE = re.compile(r"(?:尺码|码数|鞋码|身高|体重|房号|门牌|[¥￥])\s*$")
_PRONOUNS = {"i", "you", "u", "we", "they", "he", "she", "it", "who", "anyone", "someone"}
# 给我俩, 借我俩: 俩 alone is two of the thing asked for (not 我俩人, we two).
_ZH_TWO_OF_THEM = re.compile(rf"(?:给我|借我|分我|匀我|要)俩(?![个人位天年日钟]|{_ZH_NOT_AMOUNT})")


@dataclass(frozen=True)
class QuantityMention:
    """One stated amount and where it was found."""

    start: int
    end: int
    quantity: Quantity


@lru_cache(maxsize=512)
def _zh_number(span: str) -> float | None:
    if span == "半":
        return 0.5
    if span[0].isdigit():
        return float(span)
    if span in _EN_WORDS:  # "two 个" in a mixed message
        return float(_EN_WORDS[span])
    span = span.replace("俩", "两").replace("仨", "三")
    # 三四片 / 两三个 / 一两粒: a range, read as its lower bound; 二三 is no range but 23.
    if len(span) == 2 and span[0] in _RANGE_DIGITS and span[1] in _RANGE_DIGITS:
        low, high = _RANGE_DIGITS.index(span[0]), _RANGE_DIGITS.index(span[1])
        return float(_RANGE_VALUES[low]) if high in (low + 1, low + 2) and span != "一二" else None
    # 七八十个, 二三十个: tens in a range, the lower
    if len(span) == 3 and span[2] == "十" and span[0] in _RANGE_DIGITS and span[1] in _RANGE_DIGITS:
        low_tens = _zh_number(span[:2])
        return low_tens * 10 if low_tens is not None else None
    try:
        return float(cn2an.cn2an(span, "smart"))
    except (ValueError, KeyError):
        return None


_EN_UNIT_AFTER = re.compile(rf"\s+(?P<unit>{_EN_UNIT})(?:e?s)?\b")
_ZH_UNIT_AFTER = re.compile(rf"\s*(?P<unit>{_ZH_UNIT})")


def _unit_after(folded: Folded, at: int) -> str | None:
    """The measure word right after a number: "2-3盒" -> 盒, "2-3 boxes of" -> box."""
    m = _ZH_UNIT_AFTER.match(folded.text, at) or _EN_UNIT_AFTER.match(folded.text, at)
    return folded.source(m.start("unit"), m.end("unit")) if m else None


def _labels_or_tells_time(text: str, at: int) -> bool:
    """What stands before a range or a rough number at `at` makes it no count: a label ("size
    6-7", "floor 5-6", "ages 3+", 尺码36-38) or a time ("from 3-4", "home about 8")."""
    return bool(
        _NOT_A_COUNT_BEFORE.search(text, max(0, at - 10), at)
        or _ZH_LABEL_BEFORE.search(text, max(0, at - 3), at)
        or _TIME_BEFORE.search(text, max(0, at - 16), at)
    )


def _is_dose(text: str, start: int, end: int) -> bool:
    return bool(_DOSE_BEFORE.search(text, max(0, start - 5), start) or _DOSE_AFTER.match(text, end))


def find_quantities(folded: Folded) -> list[QuantityMention]:
    """Every clear amount in a folded message, in reading order."""
    text = folded.text
    found: list[QuantityMention] = []
    # Chinese measure words need non-ASCII text, English counts need Latin letters.
    zh_matches = _ZH_QTY.finditer(text) if not text.isascii() else ()
    latin = _LATIN.search(text) is not None
    for m in zh_matches:
        n = _zh_number(m.group("num"))
        if n is None or n <= 0:
            continue
        # 十几个, 二十来个, 三十多片: a round number and more; 三多个 is no amount.
        if m.group("approx") and (n < 10 or n % 10):
            continue
        if m.group("half") and n >= 1:
            n += 0.5
        unit = folded.source(m.start("unit"), m.end("unit"))
        found.append(QuantityMention(m.start(), m.end(), Quantity(n, unit)))
    for m in _ZH_TWO_OF_THEM.finditer(text) if not text.isascii() else ():
        if not any(q.start <= m.end() - 1 < q.end for q in found):
            found.append(QuantityMention(m.end() - 1, m.end(), Quantity(2.0, None)))
    for m in _ZH_DOZEN.finditer(text) if not text.isascii() else ():
        if not any(q.start <= m.start() < q.end for q in found):
            found.append(QuantityMention(m.start(), m.end(), Quantity(_DOZEN_OF[m["num"]], "打")))
    for m in _EN_QTY.finditer(text) if latin else ():
        num = m.group("num")
        gap = m.group("gap").split()
        if num in ("a", "an") and (len(gap) > 1 or (gap and gap[0] in _VAGUE)):
            continue
        # "stage 1 you can have it": a label's number, and "can" the verb after a pronoun
        if _PRONOUNS.intersection(gap) or _NOT_A_COUNT_BEFORE.search(
            text, max(0, m.start() - 10), m.start()
        ):
            continue
        n = float(num) if num[0].isdigit() else float(_EN_WORDS[num])
        if m.group("unit") == "dozen" and n < 12:  # "a dozen eggs", "2 dozen": dozens counted
            found.append(QuantityMention(m.start(), m.end(), Quantity(n * 12, None)))
        else:
            found.append(QuantityMention(m.start(), m.end(), Quantity(n, m.group("unit"))))
    for m in _EN_BARE_OF.finditer(text) if latin else ():
        if not any(q.start <= m.start("unit") < q.end for q in found):
            found.append(QuantityMention(m.start(), m.end(), Quantity(1, m.group("unit"))))
    for m in _EN_BARE_COUNT.finditer(text) if latin else ():
        if not any(q.start <= m.start("num") < q.end for q in found):
            num = m.group("num")
            n = float(num) if num[0].isdigit() else float(_EN_WORDS[num])
            found.append(QuantityMention(m.start("num"), m.end(), Quantity(n, None)))
    for m in _EN_COUNT_OF_THEM.finditer(text) if latin else ():
        if not any(q.start <= m.start("num") < q.end for q in found):
            num = m.group("num")
            n = float(num) if num[0].isdigit() else float(_EN_WORDS[num])
            found.append(QuantityMention(m.start("num"), m.end(), Quantity(n, None)))
    for m in _RANGE.finditer(text):
        low, high = _zh_number(m.group("num")), _zh_number(m.group("high"))
        # "2-905" is a door, not two to nine hundred; "size 6-7", a dose, are no amounts
        if low is None or high is None or not 0 < low < high <= max(10, 4 * low):
            continue
        if _labels_or_tells_time(text, m.start()) or _is_dose(text, m.start(), m.end()):
            continue
        inside = [q for q in found if m.start() <= q.start < m.end()]
        found = [q for q in found if q not in inside]
        measure = inside[0].quantity.unit if inside else _unit_after(folded, m.end())
        found.append(QuantityMention(m.start(), m.end(), Quantity(low, measure)))
    for m in _ROUGH_ALONE.finditer(text):
        group = next(g for g in ("num", "plus", "more") if m.group(g))
        if any(q.start <= m.start(group) < q.end for q in found):
            continue
        if _labels_or_tells_time(text, m.start()):
            continue
        n = float(m.group(group))
        found.append(
            QuantityMention(m.start(group), m.end(), Quantity(n, _unit_after(folded, m.end())))
        )
    # "一次吃两片", "take 1 tablet every 6 hours": a dose is not what is given.
    found = [q for q in found if not _is_dose(text, q.start, q.end)]
    for m in _TIMES.finditer(text):
        n = int(m.group("n") or m.group("m"))
        found.append(QuantityMention(m.start(), m.end(), Quantity(n, None)))
    found.sort(key=lambda q: q.start)
    return found


# "size 4 diapers", "apt 5 stroller", "Blk 118": a number after these is a label, not a count.
_NOT_A_COUNT = {
    "size", "sz", "no.", "number", "#", "apt", "unit", "floor", "room", "building", "gen",
    "version", "model", "type", "level", "grade", "age", "ages", "stage", "step", "blk", "block",
    "bldg", "tower", "flat", "door", "bus", "route", "primary", "class", "year", "p",
}  # fmt: skip
_NOT_A_COUNT_BEFORE = re.compile(
    r"(?:^|[^a-z])(?:" + "|".join(re.escape(w) for w in sorted(_NOT_A_COUNT)) + r")\s*$"
)
_COUNT_BEFORE = re.compile(rf"(?:^|[^\w$.\-])(?P<num>\d{{1,3}}|{_EN_NUM})\s+(?:[a-z0-9'-]+\s+)?$")


def counts_before_items(folded: Folded, item_spans: list[tuple[int, int]]) -> list[QuantityMention]:
    """English counts written straight before an item: "2 folding chairs", "3 houseplants"."""
    found = []
    for start, end in item_spans:
        m = _COUNT_BEFORE.search(folded.text, max(0, start - 24), start)
        if m is None or m.group("num") in ("a", "an", "half a"):
            continue
        # "baby穿的size 80": the label word may touch Chinese before it.
        if _NOT_A_COUNT_BEFORE.search(folded.text, max(0, m.start("num") - 10), m.start("num")):
            continue
        num = m.group("num")
        n = float(num) if num[0].isdigit() else float(_EN_WORDS[num])
        noun = folded.text[start:end].split()[-1]
        unit = noun[:-1] if noun.endswith("s") and len(noun) > 3 else noun
        found.append(QuantityMention(m.start("num"), end, Quantity(n, unit)))
    return found


def choose_quantity(mentions: list[QuantityMention], item_count: int) -> Quantity | None:
    """The one amount the message is about, or None when several items carry their own."""
    # "0x", "0 boxes": nothing to give or want is not an amount.
    mentions = [q for q in mentions if q.quantity.n > 0]
    if not mentions:
        return None
    if item_count >= 2 and len({(q.quantity.n, q.quantity.unit) for q in mentions}) >= 2:
        return None
    # The last amount is what is given or wanted ("有两根，可以借一根").
    return mentions[-1].quantity


_TRAILING_NUMBER = re.compile(r"\s(?P<n>\d{1,4}(?:\.\d{1,2})?)\s*$")
# "/offer 布洛芬 0", "/offer ladder -3", "/offer drill 99999": an amount nobody can use.
_UNUSABLE_AMOUNT = re.compile(r"\s(?:-\s*\d+(?:\.\d+)?|0+(?:\.0+)?|\d{5,})\s*\S{0,4}$")
AMOUNT_LIMIT = 9999


def unusable_amount(text: str) -> bool:
    """Whether "/offer item [amount]" ends in an amount that can't be used: zero, negative
    or beyond AMOUNT_LIMIT (a clear mistake to explain, rather than record silently)."""
    return _UNUSABLE_AMOUNT.search(fold(text).text) is not None


def command_amount(text: str) -> Quantity | None:
    """The amount after the item in "/offer item [amount]": "布洛芬 2盒", "ibuprofen 2".

    The command's shape is fixed, so a bare trailing number is an amount here, which it
    would not be in free text ("building 2").
    """
    folded = fold(text)
    chosen = choose_quantity(find_quantities(folded), 1)
    if chosen is not None:
        return chosen
    m = _TRAILING_NUMBER.search(folded.text)
    return Quantity(float(m.group("n")), None) if m and float(m.group("n")) > 0 else None
