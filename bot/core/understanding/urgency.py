"""Urgency: explicit (急需, asap, STAT) or an emergency described (心口疼, can't breathe)."""

from __future__ import annotations

import re

_ZH_WORDS = (
    "急需", "急用", "急求", "急急", "紧急", "救命", "快救", "马上要", "马上需要", "立刻", "立即",
    "赶紧", "赶快", "尽快", "十万火急", "求救", "快来人", "火急",
    # emergencies described rather than declared
    "心脏病", "心梗", "心口疼", "心口痛", "胸口疼", "胸口痛", "胸痛", "胸闷", "喘不上气",
    "喘不过气", "喘唔到气", "喘唔过气", "透不过气", "呼吸困难", "上不来气", "嘴唇发紫",
    "嘴唇有点发紫", "发紫", "昏迷", "晕倒", "晕过去", "不省人事", "休克", "抽搐", "抽筋了",
    "过敏反应", "过敏性休克", "大出血", "血止不住", "失火", "起火", "烟好大",
    "冒烟", "煤气泄漏", "困人", "关人", "被困", "困在电梯", "中风", "低血糖", "哮喘发作",
    "犯病了", "叫120", "打119", "需要急救", "救护车", "在线等", "要生了", "破水了",
    "羊水破了",
    # hurry said outright: Cantonese 快啲, Hokkien 紧紧紧, pinyin gkd (赶快的); 快来 / 即刻
    # are soft cues only ("快來吃", "剪完即刻還")
    "快点", "快啲", "快快", "紧紧", "水浸", "淹了",
)  # fmt: skip
# 着火 but not 打(不)着火 (a stove or an engine that will not light). Look-behinds follow the
# word they guard: a pattern that starts with a literal lets the engine skip ahead to it.
_ZH_FIRE = re.compile(r"着火(?<!打着火)(?<!打不着火)(?<!点着火)(?<!点不着火)")
# 着急 is urgency unless calmed (不/别着急); a lone 急 too ("急！", "在线等，急"), but not 不急,
# 应急 (for emergencies), 宅急便, 急性, 急诊, 急救(包), 急症; "快打120" but not "不用打120".
_ZH_HURRY = re.compile(
    r"着急(?<![不别用]着急)|急(?<![不别着应宅]急)(?![性诊救症便])|gkd|[ ，,]紧$"
    r"|打120(?<!不用打120)(?<!别打120)"
)
_EN_WORDS = (
    "urgent", "urgently", "asap", "a.s.a.p", "emergency", "stat", "right now", "right away",
    "immediately", "911", "call 999", "call 995", "help!", "sos", "desperate", "desperately",
    "life or death", "chest pain", "heart attack",
    "can't breathe", "cant breathe", "cannot breathe", "trouble breathing", "breathing is labored",
    "labored breathing", "not breathing", "allergic reaction", "anaphylaxis", "anaphylactic",
    "seizure", "unconscious", "passed out", "collapsed", "overdose", "stroke", "bleeding badly",
    "on fire", "smoke", "trapped", "gas smell", "people inside", "stuck inside", "someone inside",
    "gas leak", "difficulty breathing", "breathing difficulty", "short of breath",
    "shortness of breath", "sharp sharp",
    "choking", "hypoglycemic", "going into shock", "ambulance", "asthma attack",
    "asthma is flaring", "wheezing", "can't catch his breath", "can't catch her breath",
)  # fmt: skip
# 急需的邻居 is a neighbour in need, named by the one who offers: not this message's hurry.
_ZH = re.compile("|".join(re.escape(w) for w in _ZH_WORDS) + "|水管爆|爆管|发大水")
_ZH_NEEDY = re.compile(r"急需的(?:邻居|街坊|人|朋友|家庭|私|找|联系|可以|先)")
_EN = re.compile(
    r"(?<![a-z0-9])(?:" + "|".join(re.escape(w) for w in _EN_WORDS) + r")(?![a-z0-9])"
    r"(?! detector| alarm| of luck| free|-free| care| days)"
)
# "马上还" promises to return quickly; that is not urgency.
_NOT_URGENT = re.compile(
    r"不急|不着急|不用急|不是很急|不太急|不算急|不是特别急|no rush|not urgent|no hurry|whenever"
    r"|not in a hurry|no urgency|not really"
)


# Shouting is urgency, "now" in lower case is not ("I have one now").
# "HELP YOURSELVES" in an all-capitals message is an invitation, not a cry; 🆘 is a shout too.
_SHOUTED = re.compile(
    r"(?<![A-Za-z])(?:NOW|HELP(?! YOURSEL)|QUICK|HURRY|URGENT|ASAP|SOS)(?![A-Za-z])|🆘"
)


def is_shouted(original: str) -> bool:
    """Whether the message shouts for speed in capitals ("NOW", "HELP", "ASAP")."""
    return bool(_SHOUTED.search(original))


def is_urgent(folded_text: str, original: str = "") -> bool:
    """Whether a folded message is urgent or describes an emergency."""
    if _NOT_URGENT.search(folded_text):
        return False
    if "急需的" in folded_text:
        folded_text = _ZH_NEEDY.sub(" ", folded_text)
    return bool(
        _ZH.search(folded_text)
        or _ZH_FIRE.search(folded_text)
        or _ZH_HURRY.search(folded_text)
        or _EN.search(folded_text)
        or _SHOUTED.search(original)
    )


# Someone in danger now: fell, collapsed, not breathing, seizure, fire, gas, trapped in a lift.
# Text arrives folded (traditional -> simplified), so 跌親 / 暈低 / 火燭 / 困𨋢 appear as folded
# (OpenCC writes 𨋢, a lift, as 䢂).
_EMERGENCY_ZH = re.compile(
    r"摔倒|跌倒|摔了一跤|摔地上|跌亲|跌低|晕倒|晕过去|晕低|昏倒|昏迷|不省人事|叫不醒|没反应了|"
    r"没(?:有)?呼吸|不呼吸|呼吸停|心跳停|心脏骤停|没了心跳|休克|抽搐|抽风|癫痫发作|羊癫疯|"
    r"着火(?<!打着火)(?<!打不着火)(?<!点着火)(?<!点不着火)|失火|起火|火灾|火烛|浓烟|冒黑烟|火警[钟铃]响|"
    # a fire smelt or seen before it is named (not 烟味: cigarette smoke, a complaint)
    r"烧焦味|焦味|好大的烟|烟好大|好多烟|"
    # 烧起来 is a fire only with something burning ("锅烧起来了"), not a child's fever
    r"(?:火|锅|油|房|屋|楼|厨房|车)[^，,。.\s]{0,2}烧起来|"
    r"煤气泄漏|燃气泄漏|煤气味|燃气味|天然气味|瓦斯味|石油气味|"
    r"(?:电梯|𨋢|䢂|lift|升降机).{0,6}困|困.{0,4}(?:电梯|𨋢|䢂)|电梯.{0,6}关.{0,3}人|关在电梯|被困|"
    r"晕咗|晕倒咗|叫唔醒|跌咗落|滑倒|口吐白沫|白车|水浸|"
    r"溺水|中风|大出血|血止不住|噎住|卡住喉咙|喘不上气|喘不过气|喘唔到气|呼吸困难|透不过气|"
    r"胸口(?:疼|痛|闷|不舒服)|心口(?:疼|痛)|胸痛|心脏不舒服|心梗|心脏病(?:犯|发作)|嘴唇(?:有点)?发紫|"
    r"过敏性休克|严重过敏|哮喘发作|哮喘犯了|破水了|羊水破了|要生了|"
    # signs that name no word of danger: a fallen person nobody can lift, oxygen falling, an
    # ambulance already called, a throat or face swelling up
    r"扶不起来|扶唔起|抬不起来|血氧(?:掉|降|只有|低|不到)|(?:120|救护车|白车)还没到|"
    r"喉咙肿|嗓子肿|喉咙好紧|脸肿起来|嘴唇肿|"
    r"叫救护车|打1[12]0(?<!不用打1[12]0)(?<!不要打1[12]0)(?<!别打1[12]0)|叫120|打119|快叫救护|救命"
)
_EMERGENCY_EN = re.compile(
    r"(?<![a-z])(?:collapsed?|collapsing|has fallen|have fallen|fell down|fell over|had a fall|"
    r"fallen and|fell and|(?:can'?t|cannot|unable to) get (?:him |her |them )?(?:back )?up|"
    r"fell (?:in|on|off) (?:the |a )?(?:bathroom|shower|bath|toilet|kitchen|stairs|floor|ice|"
    r"street|hallway|hall|bed)|(?:can'?t|cannot|unable to) (?:lift|move) (?:him|her|them)|"
    r"(?:throat|tongue|lips?|face) (?:is |are )?(?:swelling|swollen|closing)|"
    r"oxygen (?:level |sat(?:uration)?s? )?(?:is )?(?:dropping|falling|down to|at [5-8]\d)|"
    r"nahimatay|ambulansya|gas smell|"
    r"unconscious|passed out|unresponsive|not breathing|stopped breathing|can'?t breathe|"
    r"cannot breathe|seizure|convulsing|heart attack|cardiac arrest|stroke|choking|"
    r"overdose|bleeding badly|won'?t stop bleeding|anaphyla\w*|allergic reaction|"
    r"chest (?:pains?|hurts?|is hurting|hurting|tight(?:ness)?)|"
    r"asthma attack|lips? (?:turning |are |is )?(?:blue|purple)|water broke|in labou?r|"
    r"with (?:people|someone|a kid|kids|a child) inside|"
    r"fire(?! drill| alarm| code| hazard| escape| exit| door| safety| extinguisher| blanket| pit"
    r"| works|works|place|wood|fly|flies)|on fire|"
    r"smoke coming|smell(?:s|ing)? (?:of )?gas|gas leak|"
    r"burning smell|smell(?:s|ing)? (?:of )?burning|smells? like (?:something(?:'s| is)? )?burning|"
    r"smoke in the (?:hall|hallway|corridor|stairwell|lobby)|"
    r"trapped|stuck in (?:the )?(?:lift|elevator)|"
    r"call (?:an )?ambulance|call 911|call 999|call 995|call 000|call 112|call 120|cpr|help!+)"
    r"(?![a-z])"
)


# Softer signs of hurry the urgency head weighs with the rest of the message: "now", a time
# later today, "!!", a word in capitals, "快" in any form. None is urgent on its own ("I have one
# now", "tonight's potluck"), so they are features, not rules.
_SOFT_CUES = (
    ("now", re.compile(r"(?<![a-z])now(?![a-z])|马上|立马|即刻|现在就|而家|宜家")),
    (
        "today",
        re.compile(
            r"(?<![a-z])(?:tonight|today|this (?:morning|afternoon|evening))"
            r"(?![a-z])|今晚|今天|今日|今夜|今早|晚上"
        ),
    ),
    ("bang", re.compile(r"[!！]{2,}|[?？]{2,}")),
    ("quick", re.compile(r"快(?![递乐过到期要]|餐|手)")),
)
_CAPS_WORD = re.compile(r"(?<![A-Za-z])[A-Z]{3,}(?![A-Za-z])")
_LOWER = re.compile(r"[a-z]")


def urgency_cues(folded_text: str, original: str) -> list[str]:
    """The soft signs of hurry in a message, as urgency-head feature names."""
    cues = [f"cue={name}" for name, pattern in _SOFT_CUES if pattern.search(folded_text)]
    # A word in capitals among lower-case ones is raised; a message all in capitals (elderly
    # typists) raises nothing.
    if _CAPS_WORD.search(original) and _LOWER.search(original):
        cues.append("cue=caps")
    return cues


# A child who fell and scraped a knee needs a plaster, not an ambulance. Only that is let off:
# a child named, a scrape named, nobody old or pregnant, nothing worse (a head, blood, cannot
# walk). An older person's fall stays an emergency whatever else the message says.
_FALL = re.compile(
    r"摔倒|跌倒|摔了一跤|跌亲|跌低|滑倒|fell down|fell over|had a fall|fell and|fallen and"
)
_CHILD = re.compile(
    r"小朋友|孩子|宝宝|小孩|儿子|女儿|娃|个仔|个女|细路|囡|"
    r"(?<![a-z])(?:kids?|son|daughter|child|toddler|boy|girl|little one)(?![a-z])"
)
_SCRAPE = re.compile(r"破皮|擦伤|擦破|蹭破|磕破|(?<![a-z])(?:scraped?|grazed?|skinned)(?![a-z])")
_OLD_OR_WORSE = re.compile(
    r"老人|老太|老伯|爷爷|奶奶|外婆|外公|姥姥|姥爷|婆婆|阿婆|阿公|阿嬷|阿嫲|老公|老婆|爸|妈|孕|"
    r"起不来|起唔到|站不起来|走不了|动不了|郁唔到|流血|出血|骨折|断|头|昏|晕|吐|救护|120|"
    r"(?<![a-z])(?:mum|mom|dad|mother|father|grandma|grandpa|granny|nan|elderly|old|husband|"
    r"wife|pregnant|[6-9]\d|can'?t (?:walk|stand|move|get up)|bleeding|blood|broken|vomit\w*|"
    r"dizzy|confused|ambulance)(?![a-z])|head"
)


def is_emergency(folded_text: str) -> bool:
    """Whether a folded message describes someone in danger now."""
    found = [
        *(m.group() for m in _EMERGENCY_ZH.finditer(folded_text)),
        *(m.group() for m in _EMERGENCY_EN.finditer(folded_text)),
    ]
    if not found:
        return False
    scraped_child = (
        all(_FALL.fullmatch(f) for f in found)
        and _CHILD.search(folded_text) is not None
        and _SCRAPE.search(folded_text) is not None
        and _OLD_OR_WORSE.search(folded_text) is None
    )
    return not scraped_child
