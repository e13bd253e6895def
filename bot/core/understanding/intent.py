"""Offer, request or neither: weighted cue phrases, with explicit "not sharing" verdicts first.

Cues run over folded text (simplified Chinese, lower case). Each list says what the phrase
signals; weights put strong phrases ("谁家有", "anyone have", "free") above weak ones ("我家有").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.understanding.model import Intent

_CJK = re.compile(r"[\u3400-\u9fff]")


class Cue:
    """Alternative phrases, split by script so Chinese-only text skips English patterns."""

    def __init__(self, *patterns: str) -> None:
        cjk = [p for p in patterns if _CJK.search(p)]
        latin = [p for p in patterns if not _CJK.search(p)]
        self._cjk = re.compile("|".join(f"(?:{p})" for p in cjk)) if cjk else None
        self._latin = re.compile("|".join(f"(?:{p})" for p in latin)) if latin else None

    def search(self, text: str, script: tuple[bool, bool] | None = None) -> bool:
        """Whether any phrase occurs in folded text; `script` is `scripts(text)` if known."""
        cjk, latin = script or scripts(text)
        if cjk and self._cjk is not None and self._cjk.search(text):
            return True
        return latin and self._latin is not None and bool(self._latin.search(text))


_LATIN = re.compile(r"[a-z0-9$+]")


def scripts(text: str) -> tuple[bool, bool]:
    """(has non-ASCII, has Latin letters or digits): which cue patterns can match at all."""
    return not text.isascii(), bool(_LATIN.search(text))


def _any(*patterns: str) -> Cue:
    return Cue(*patterns)


def _words(*words: str) -> str:
    """English words with word edges, every keyword escaped."""
    return r"(?<![a-z0-9])(?:" + "|".join(re.escape(w) for w in words) + r")(?![a-z0-9])"


# --- verdicts that end the question before any scoring --------------------------------
_SPAM = _any(
    r"https?://|www\.|bit\.ly|t\.me/|\.com\b",
    "扫码|优惠券|红包群|领红包|加微信|代购|兼职|刷单|日赚|点击链接",
    _words("click here", "claim your", "congratulations", "winner", "promo code", "giveaway link"),
)
_SELLING = _any(
    r"出售|转让|甩卖|便宜卖|低价|(?<![想有])卖(?!我|给我|点给我|光|完|断|没|空)|收费",
    r"(?<!\d)\d+\s*(?:块|元)|¥\s*\d",
    r"(?<!\d)\d+\s*rmb|\$\s*\d|(?<!\d)\d+\s*(?:dollars|bucks)",
    "拼单|团购|拼团|一起买|接龙买",
    _words("selling", "for sale", "sell", "obo", "price", "venmo", "paypal", "group buy"),
)
_BUYING_FROM_NEIGHBOURS = _any("卖我|卖给我|卖点给我|转我", "buy (?:it|one|some) from")
_CLOSED = _any(
    r"(?:送|分|给|借|领)(?:完|光|出去)了|已(?:经)?(?:送|给|分)(?:出|完|掉)|没有了哈|冇晒|"
    r"唔好再揾|唔好再搵|别再找我|不要再找我|不用再找|也给.{1,8}了|最后一(?:板|盒|个|包|瓶|份)",
    r"已经?(?:找到|借到|买到|收到|解决|送回|还回|归还)|(?:找到|买到|借到|收到)了|送回去|还回去|"
    r"(?:^|[，,。.!！])(?:不用了|不需要了|用不着了)|有了有了|已经有人给",
    _words(
        "all set",
        "all good now",
        "no longer needed",
        "not needed anymore",
        "found one",
        "found it",
        "found",
        "given",
        "gone",
        "taken",
        "sorted",
        "never mind",
        "nevermind",
        "nvm",
        "got one",
        "no longer available",
        "claimed",
        "pending pickup",
    ),
)
# "给了3楼的阿姨，现在没有了": given away, nothing left — unless the author now asks.
_GAVE_AWAY = _any(
    r"(?:送|给|借)(?:给)?了?.{0,10}[，,]?.{0,4}没(?:有)?了", _words("gave it away", "all gone")
)
_THANKS = _any("谢谢|多谢|感谢|谢了|谢啦|辛苦了", _words("thanks", "thank you", "thx", "ty"))
_HEARSAY = _any(
    r"有人在(?:发|送)|在发免费|(?:超市|商场|社区|物业|居委|街道).{0,6}(?:在)?(?:发|送)(?!给我)",
    r"听说|据说|隔壁小区|社区给|居委会|街道办|物业给|政府发|社区发|社区通知|通知[:：]",
)
_NOTICE = _any(
    "报名|欢迎参加|欢迎大家|活动|快乐|恭喜|降温|提醒大家",
    _words("reminder", "notice", "party", "welcome", "happy", "meeting", "event"),
)
_INFO_QUESTION = _any(
    r"知道|哪里.{0,4}(?:买|有卖|能买)|在哪(?:里|儿)?(?:买|打|卖|办)|哪(?:间|家)药(?:房|店)|"
    r"几点|开门|营业|到货|去过|有卖|有.{0,4}卖[?？吗]|里面.{0,4}(?:有|含)|成分|怎么(?:办|弄|用)|要提前|预约|"
    r"多少钱|有没有人知道|有冇人知|边度买|边度有得买|(?:有没有|有冇|有无)(?:人|邻居|谁).{0,8}也|捡到|失物|招领|谁丢的|谁的钥匙|推荐|介绍一?个.{0,6}(?:师傅|医生|店)|靠谱的",
    _words(
        "does anyone know",
        "anyone know",
        "did anyone",
        "is it normal",
        "what time",
        "where can i",
        "where do",
        "where is",
        "how do",
        "how much",
        "does the",
        "is there a",
        "anyone else",
        "recommend",
        "recommendation",
        "recommendations",
        "open on",
    ),
)

# --- scored cues ---------------------------------------------------------------------
_OFFER: tuple[tuple[Cue, int], ...] = (
    (
        _any(
            r"免费|送给|送人|送你|送俾|借俾你|赠送|(?<!转)赠|转赠|白送|谁要|有谁要|有人(?:想|需)?要|(?:有没有|有冇)(?:人|邻居|街坊)?(?:想|需)?要(?!用)|要的(?:来|找|说|私|自|@|留言|接龙|邻居)",
            r"(?:需要|要用|用得上|用得着)的.{0,6}(?:来|找|可以|自|私|联系|说|@|接龙|请|敲门)",
            r"有需要|有(?:人|谁)?想要|要不要[?？]|要唔要|谁(?:家)?.{0,6}(?:需要|要用|要的话|用得上|用得着|想要)|(?:邻居|街坊|人|边个)要[?？吗嘛伐]",
            r"(?:侬|你|大家|邻居们?)(?:需)?要.{0,8}(?:伐|吗|嘛|不)[?？]",
            r"自取|来拿|来取|来借|来尝尝|尝尝|来吃|请大家吃|分给大家|拿去|(?<!被)(?<!被人)拿走|推走|来攞|来我家|(?:邻居|大家|街坊|朋友)们?.{0,10}可以.{0,4}(?:拿|取|领|用|打|盛)|随便(?:用|拿|攞|取)|大家.{0,3}(?:拿|用|分)|分享|分一分|分给|匀给|接龙",
            r"可以借(?!我|俺|一下|给我|嚟|.{0,6}[俾畀]我)(?![^，。！,.!]{0,8}[?？吗])|借给(?!我)|(?:需要|要用)(?:的|嘅)话|借出|出借|借用[:：]|可以\s*lend|不用还",
        ),
        3,
    ),
    (
        _any(
            r"多了|多咗|多一|多出|多余|富余|闲置|用不完|吃不完|用不上|用不着|用不到|穿不了|"
            r"带不走|放着也|没拆|没用过|没开封|全新|囤的|囤了|剩的|剩下|剩了|还剩|开多了|买多了",
            _words(
                "unopened",
                "never used",
                "barely used",
                "brand new",
                "still sealed",
                "good condition",
                "great condition",
                "like new",
                "gently used",
            ),
            r"找我|私我|私信我|联系我|联络我|敲门|@我|微信我|text\s*我|dm\s*我|我放了|放在.{0,10}了",
        ),
        2,
    ),
    (
        _any(
            _words(
                "giving away",
                "give away",
                "to give away",
                "to lend",
                "lending",
                "offering",
                "offer",
                "help yourself",
                "help yourselves",
                "come grab",
                "grab one",
                "grab some",
                "grab it",
                "yours if",
                "get rid of",
                "getting rid of",
                "to a good home",
                "first to reply",
                "first come",
                "happy to share",
                "happy to pass",
                "happy to give",
                "happy to lend",
                "pass them along",
                "pass it along",
                "outgrew",
                "outgrown",
                "won't get through",
                "won't use",
                "never needed",
                "no longer need",
                "don't need",
                "doesn't need",
                "i have one to",
                "up for grabs",
                "porch pickup",
                "pickup only",
                "pick up",
                "curb alert",
                "leftover",
                "left over",
                "lend it",
                "lend you",
                "take it",
                "take them",
                "bought two",
                "anyone want",
                "anyone need",
                "anyone needs",
                "anybody want",
                "anybody need",
                "who wants",
                "who needs",
                "if anyone needs",
                "if anyone wants",
                "if you need",
                "if u need",
                "if u want",
                "lmk if",
                "if you want",
                "let me know if",
            ),
            r"(?<![a-z])anyone\b.{0,20}\bwants?\b",
            # "free", but not "feel free", "are you free to help", "free time".
            r"(?<![a-z])(?<!feel )(?<!are you )(?<!you're )(?<!i'm )(?<!anyone )(?<!is anyone )"
            r"free(?![a-z])(?! to help| time| this weekend| tonight\?)",
            r"(?<![a-z])(?:can|could) lend(?! me| us)|take (?:what(?:ever)?|anything)",
            r"for the taking|(?<![a-z])(?:for donation|to donate|donating)\b",
            r"(?<![a-z])leaving (?:a|some|them|it)\b",
            r"(?<![a-z])(?:is|are|now) available\b|^available\b|\bavailable\s*[-—:]",
        ),
        3,
    ),
)
# Having something counts only when a thing is named: "我家有布洛芬", not "我家有老人".
_POSSESSION: tuple[tuple[Cue, int], ...] = (
    (
        _any(
            r"我(?:家|这|这里|这边|们家|屋企)?(?:还)?有(?!没有|人|谁|点事)|家里(?:还)?有(?!人|老人|没有)|屋企有|阿拉屋里",
            r"^(?:have|got|i have|i've got|we have|we've got)\b",
        ),
        2,
    ),
    (
        _any(
            r"(?<![a-z])(?:extra|spare)\b(?!.{0,12}\?)",
            _words(
                "i have",
                "i've got",
                "we have",
                "we've got",
                "i got",
                "have some",
                "have a",
                "got a ton",
                "tons of",
                "overfloweth",
            ),
        ),
        1,
    ),
)
_REQUEST: tuple[tuple[Cue, int], ...] = (
    (
        # "谁家有闲置的X可以借": asking after someone's spare thing outweighs its giving words.
        _any(
            r"(?:谁|哪位|哪家|有没有|有冇|边个|边位).{0,14}可以借(?!给你|俾你)",
            r"(?:谁家?|哪位|哪家|有没有人?|有冇人?|邻居)(?:家里?)?有(?:闲置|多余|多的|不用|用不上)",
        ),
        4,
    ),
    (
        _any(
            r"谁家有|谁有|谁家.{0,6}有(?!需要)|哪位.{0,8}(?:有|能|可以|借(?![的了走过]))|哪个邻居|哪家有|邻居.{0,4}有没有",
            r"有没有(?!(?:人|邻居|街坊)?(?:想|需)?要)|有冇(?!(?:人|邻居|街坊)?(?:想|需)?要)|有无|边(?:个|位)(?:街坊|邻居)?(?:有|可以|能)|(?<!帮)求(?!助)|求助|急需|想借|(?<![人谁])想要|"
            r"^借(?![的了走过])|借(?:[一两二三四五六七八九几\d]*[个把套台只些张件条点本瓶盒包]|我|一下|俺|嚟|来用|用一下)|能借|能不能借|可以借我|"
            r"匀(?:我|点|一)|能给我|给我(?:几|一|两)|卖我|卖给我|麻烦.{0,6}借",
            r"有(?!人要|人需要|需要|谁要|人想要|想要|谁需要|人[吗嘛么在])[^，。？！?!]{0,14}(?:吗|嘛|么|伐)|(?:有人|有谁|谁|大家|邻居|哪位).{0,6}(?:可以|能).{0,8}(?:share|借|给|匀)",
            r"(?<![有的要谁])(?<!谁家)(?<!有人)需要(?!的|嘅)|求购|^征|征求|(?<![接签验])收(?:一个|一台|一辆|个|台|辆|二手)|有(?:闲置|多余|多的|不用)的.{0,4}(?:邻居|街坊|朋友|人)|我要|想找|找一?(?:个|把|台)|蹭",
        ),
        3,
    ),
    (
        _any(
            _words(
                "anyone have",
                "who has",
                "if someone has",
                "if anyone has",
                "if anybody has",
                "would be grateful",
                "i'd be grateful",
                "would appreciate",
                "who have",
                "who's got",
                "whoever has",
                "someone have",
                "somebody have",
                "does someone have",
                "does somebody have",
                "anyone has",
                "anyone got",
                "anybody have",
                "anybody got",
                "does anyone have",
                "do you have",
                "can i borrow",
                "could i borrow",
                "may i borrow",
                "borrow a",
                "borrow an",
                "borrow some",
                "borrow your",
                "looking for",
                "looking to borrow",
                "iso",
                "lf",
                "wtb",
                "want to borrow",
                "in search of",
                "in need of",
                "me please",
                "i'd love",
                "would love",
                "could someone",
                "could anyone",
                "can anyone",
                "can someone",
                "would anyone",
                "anyone spare",
                "anyone able",
                "any chance",
                "wanted",
                "hoping to borrow",
                "lend me",
                "spare a",
                "spare some",
                "anyone with",
                "anyone?",
                "ran out",
                "run out",
            ),
            r"\w+,\s*anyone\s*\?|anyone\s*\?\s*$|anybody\s*\?\s*$",
            r"(?<![a-z])(?<!if )any(?:one|body| neighbou?rs?| of you)\b"
            r"[^.?!]{0,20}\b(?:have|has|got|with)\b",
            r"(?<![a-z])(?:i can use|i could use|could really use|can i use|borrowing an?)\b",
            r"would save my (?:day|life|bacon)",
            "anyone\\s*有",
            # "need" unless it is someone else's ("anyone need…?") or denied ("never needed").
            r"(?<![a-z])(?<!anyone )(?<!anybody )(?<!who )(?<!never )(?<!don't )(?<!dont )"
            r"(?<!longer )(?<!doesn't )(?<!you )(?<!if )(?<! u )(?<!anyone who )"
            r"need(?:s|ed)?(?![a-z])(?! to )(?!\s+\w+ing\b)",
        ),
        3,
    ),
)
# A need stated as a fact: "家里退烧药没了", "止咳的药都吃完了", "we're out of".
_DEPLETED = _any(
    r"没了|没有了|用完(?!了?(?:还|后|以后|之后))|吃完(?!了?(?:还|后|以后|之后|饭))|喝完(?!了?(?:还|后))|用光了?|快没了|快用完|快吃完|断了|不够了?|冇晒|冇咗|冇左",
    _words("ran out", "run out", "out of", "used up", "all out"),
)
# Asking for a hand rather than a thing ("有没有邻居可以帮忙收个快递").
_FAVOUR = _any(
    "帮忙|帮我|帮个忙|搭把手|保姆|家教|师傅|遛狗|喂猫|接孩子|顺路|拼车|搭车|搭个车",
    _words(
        "help me", "help with", "a hand", "give me a ride", "a ride", "sitter", "babysitter",
        "babysit", "tutor", "plumber", "electrician", "handyman", "cleaner", "dog walker",
        "pet sitter", "cat sitter", "someone to",
    ),
)  # fmt: skip
_SHORT_OFFER = re.compile(
    r"^(?:我有|我家有|我这有|我这里有|我这儿有|有的|有|俺有|我有的|家里有|我屋企有|我有呀|我有啊|"
    r"\+1|i do|i have|i have one|i've got one|i got one|yes i have|me!? i have|we do|we have one)"
    r"(?:[!！。.,，~\s]|$)"
)
_SHORT_REQUEST = re.compile(
    r"^(?:me please|me!|me too|mine please|dibs|i'd love|i would love|"
    r"我要|我需要|我想要|求|想要|要|要要|我也要|我也需要|我|我我我|预定|我预定|举手|🙋\S*)"
    r"(?:[!！。.,，~\s]|$)"
)


@dataclass(frozen=True)
class IntentVerdict:
    """The intent and why (tags such as "closed", "selling", "reply", "implicit")."""

    intent: Intent
    tags: frozenset[str] = frozenset()


def _score(cues: tuple[tuple[Cue, int], ...], text: str, script: tuple[bool, bool]) -> int:
    return sum(weight for cue, weight in cues if cue.search(text, script))


def short_reply(text: str) -> Intent | None:
    """ "我有"/"+1"/"I do!" -> offer, "me please"/"我要" -> request, for bare replies."""
    stripped = text.strip()
    if len(stripped) > 30:
        return None
    if _SHORT_OFFER.match(stripped):
        return "offer"
    if _SHORT_REQUEST.match(stripped):
        return "request"
    return None


def classify(text: str, *, has_items: bool) -> IntentVerdict:
    """The intent of a folded message; `has_items` says whether any item was named."""
    sc = scripts(text)
    if _SPAM.search(text, sc):
        return IntentVerdict("none", frozenset({"spam"}))
    reply = None if has_items else short_reply(text)
    if reply is not None:
        return IntentVerdict(reply, frozenset({"reply"}))
    if _SELLING.search(text, sc) and not _BUYING_FROM_NEIGHBOURS.search(text, sc):
        return IntentVerdict("none", frozenset({"selling"}))
    request = _score(_REQUEST, text, sc)
    # "my charger is gone, anyone have one?" still asks; "found one, thanks" does not.
    if request < 3 and _CLOSED.search(text, sc):
        return IntentVerdict("none", frozenset({"closed"}))
    if _HEARSAY.search(text, sc):
        return IntentVerdict("none", frozenset({"notice"}))
    if request == 0 and _GAVE_AWAY.search(text, sc):
        return IntentVerdict("none", frozenset({"closed"}))
    offer = _score(_OFFER, text, sc) + (_score(_POSSESSION, text, sc) if has_items else 0)
    if _INFO_QUESTION.search(text, sc):
        if offer < 3:
            return IntentVerdict("none", frozenset({"question"}))
        request = 0
    if _THANKS.search(text, sc) and request < 3 and offer < 3:
        return IntentVerdict("none", frozenset({"thanks"}))
    if offer == 0 and request == 0:
        if has_items and _DEPLETED.search(text, sc) and not _NOTICE.search(text, sc):
            return IntentVerdict("request", frozenset({"implicit"}))
        return IntentVerdict("none")
    if _NOTICE.search(text, sc) and max(offer, request) < 3:
        return IntentVerdict("none", frozenset({"notice"}))
    if request > offer and not has_items and _FAVOUR.search(text, sc):
        return IntentVerdict("none", frozenset({"favour"}))
    if offer > request:
        return IntentVerdict("offer")
    if request > offer:
        return IntentVerdict("request")
    # A tie between giving and asking phrases: a named item being asked after wins.
    return IntentVerdict("request" if has_items else "none")
