"""Names for things the catalogue does not know, cut from the words around a cue."""

from __future__ import annotations

import re

from bot.core.understanding.normalise import Folded

_CN_NUM = "零一二两三四五六七八九十百几半俩仨"
_CN_UNITS = "个把台张件条本双套箱桶斤碗杯块份只盒瓶包片粒颗袋支根板罐卷管贴剂"
# Words that end a Chinese item name: particles, pronouns, verbs of using/returning.
_ZH_STOP = "吗嘛呢吧啊呀哈么的了，。！？、；：,.!?;: \n给我你他她用来借去还拿和跟或要能可想就在都也"
_ZH_CUE = re.compile(
    r"(?:谁家有|谁有|有没有人?(?:家里)?有?|有没有|求|借(?:我|俺)?|想要|需要|送|急需|邻居有)"
    rf"(?:一下|一点|点|些|[{_CN_NUM}]*[{_CN_UNITS}])?"
    rf"([^{re.escape(_ZH_STOP)}\d]{{2,8}})"
)
_EN_STOP = {
    "to", "for", "i", "that", "which", "from", "with", "if", "and", "or", "please", "me",
    "my", "so", "but", "we", "you", "it", "on", "in", "at", "asap", "anyone", "today",
    "tonight", "tomorrow", "now", "urgently", "thanks", "pls", "plz", "is", "are", "this",
    "help", "advice", "ride", "someone", "somebody", "a", "an", "the", "some", "of", "by",
}  # fmt: skip
_EN_CUE = re.compile(
    r"\b(?:borrow|need|needs|have|has|got|spare|looking for|iso|lend me|lending|giving away"
    r"|free|offering|share)\s+(?:me\s+)?(?:(?:a|an|some|the|any|your|a few|a couple of|spare"
    r"|extra|old|used|new|small|big)\s+)*([a-z][a-z0-9'-]*(?:\s+[a-z][a-z0-9'-]*){0,2})"
)
# After 有没有/谁有 these name people or help, not things ("有没有邻居可以帮忙").
_NOT_A_THING = re.compile(
    r"邻居|人|谁|哪|大家|好心|朋友|街坊|可以|能|帮|空|时间|知道|家里|家|孩子|小孩|老人|也|"
    r"医院|学校|楼下|楼上|门口|小区|物业|一下"
)
_DEMONSTRATIVE = re.compile(r"那个|这个|那种|这种|那些|这些|那|这")
# Amounts typed around a bare name: "2盒", "两盒", "x2", "2" after a space; not "N95".
_JUNK = re.compile(
    rf"^\s*(?:\d+\s*[{_CN_UNITS}]?|[{_CN_NUM}\d]+[{_CN_UNITS}])\s*"
    rf"|\s*(?:\s\d+(?:\.\d+)?\s*[{_CN_UNITS}]?|[{_CN_NUM}\d]+[{_CN_UNITS}]|\s[x×]\d+)\s*$"
    r"|[^\w\s'-]+"
)
_EN_ARTICLES = re.compile(r"^(?:a|an|some|the|any|my|spare|extra)\s+", re.IGNORECASE)


def clean_item_name(text: str) -> str:
    """A bare typed name without amounts, articles or punctuation ("布洛芬 2盒" -> "布洛芬")."""
    name = _JUNK.sub(" ", text).strip()
    name = _EN_ARTICLES.sub("", name).strip()
    return " ".join(name.split())


def _trim_english(words: str) -> str:
    kept: list[str] = []
    for word in words.split():
        if word in _EN_STOP:
            break
        kept.append(word)
    return " ".join(kept)


# A message that opens with a bare noun phrase names its thing ("Snow tires, free").
_FIRST_CLAUSE = re.compile(
    r"^\s*(?:free|offer|offering|iso|giving away|送|免费送|出)?\s*[:：]?\s*"
    r"([^,，。.!！?？:：;；\n]+)"
)
_EN_NOT_A_THING = _EN_STOP | {
    "hi", "hello", "hey", "neighbors", "neighbours", "folks", "everyone", "all", "urgent",
    "help", "update", "psa", "good", "morning", "evening", "sorry", "quick", "question",
    "free", "giving", "away", "offer", "offering", "have", "need", "anyone", "anybody",
    "does", "do", "can", "could", "would", "who", "what", "where", "when", "just", "still",
    "got", "looking", "iso", "our", "your", "their", "his", "her", "there", "here", "be",
    # pickup directions ("Left it on the shoe rack") open with a verb, not a thing
    "left", "put", "leaving", "dropped", "placed", "it", "it's", "its", "come", "pick",
}  # fmt: skip


def _opening_noun_phrase(folded: Folded) -> str | None:
    m = _FIRST_CLAUSE.match(folded.text)
    if m is None:
        return None
    phrase = m.group(1).strip()
    if not phrase:
        return None
    start = m.start(1) + m.group(1).index(phrase)
    if phrase.isascii():
        words = phrase.split()
        # "Kayak paddles to lend this weekend": the name ends at the first small word.
        for i, word in enumerate(words):
            if word in _EN_STOP:
                words = words[:i]
                break
        if not 1 <= len(words) <= 3 or any(w in _EN_NOT_A_THING for w in words):
            return None
        if not all(w.replace("-", "").replace("'", "").isalpha() for w in words):
            return None
        phrase = " ".join(words)
    elif (
        not 2 <= len(phrase) <= 8
        or _NOT_A_THING.search(phrase)
        or any(ch in _ZH_STOP_OPENING for ch in phrase)
    ):
        return None
    name = clean_item_name(folded.source(start, start + len(phrase)))
    return name if len(name) >= 2 else None


# In an opening clause these show a sentence, not a name.
_ZH_STOP_OPENING = set("吗嘛呢吧啊呀哈么了我你他她有要想能在是好谁哪")


def unknown_item_name(folded: Folded) -> str | None:
    """The likely item name after a sharing cue (借/求/need/borrow…), if there is one."""
    for m in _ZH_CUE.finditer(folded.text):
        if not _NOT_A_THING.match(m.group(1)):
            lead = _DEMONSTRATIVE.match(m.group(1))
            start = m.start(1) + (lead.end() if lead else 0)
            if m.end(1) - start >= 2:
                return folded.source(start, m.end(1))
    for m in _EN_CUE.finditer(folded.text):
        words = _trim_english(m.group(1))
        if len(words) >= 3:
            start = m.start(1)
            return folded.source(start, start + len(words))
    return _opening_noun_phrase(folded)
