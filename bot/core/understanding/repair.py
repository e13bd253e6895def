"""Building repair complaints (楼道灯坏了, the lift is stuck again): noted, never matched."""

from __future__ import annotations

import re
from enum import StrEnum

from bot.core.understanding.normalise import fold

_ZH = re.compile(
    r"坏了|坏掉|不亮|不灵|停电|停水|没电了|漏水|渗水|滴水|堵了|堵住|堵塞|维修|报修|修一下|来修|修理|没人修|"
    r"没人收|跳闸|电梯.{0,6}(?:停|坏|困|卡|关人|不动|故障)|没有?热水|没暖气|暖气不热|不出水|水压|"
    r"下水道|反味|墙皮|裂缝|门禁.{0,4}(?:坏|不)|故障"
)
# English needs a building part and a fault: "the lift is stuck", "heat isn't working".
_EN_PART = re.compile(
    r"(?<![a-z])(?:lift|elevator|heat|heating|radiator|boiler|a/?c|air con|hot water|water|"
    r"pipe|pipes|toilet|sink|drain|shower|tap|faucet|light|lights|hallway|stairwell|door|"
    r"intercom|buzzer|trash chute|chute|garage door|gate|roof|ceiling|window|power|electricity|"
    r"wifi|internet|laundry|washer|dryer|machine|mailbox|lock)(?![a-z])"
)
_EN_FAULT = re.compile(
    r"(?<![a-z])(?:clogged|broken|broke|not working|isn'?t working|doesn'?t work|won'?t|"
    r"out of order|stuck|leak|leaking|leaks|dripping|no heat|(?:is|'s|are|went) out|"
    r"outage|flooding|flooded|needs fixing|needs repair|busted|jammed|burst|mold|mould|"
    r"cracked|down again|off again|again|no hot water)(?![a-z])"
)


def is_repair_complaint(folded_text: str) -> bool:
    """Whether a folded message reports something in the building broken or failing."""
    if _ZH.search(folded_text):
        return True
    return bool(_EN_PART.search(folded_text) and _EN_FAULT.search(folded_text))


class RepairTopic(StrEnum):
    """What a complaint is about: two complaints of one topic in one building are one report."""

    LIFT = "lift"
    POWER = "power"
    HEATING = "heating"
    WATER = "water"
    DRAIN = "drain"
    LIGHT = "light"
    DOOR = "door"
    INTERNET = "internet"
    TRASH = "trash"
    STRUCTURE = "structure"


# In order: the first that matches wins, so "暖气漏水" (a radiator leaking) is heating and
# "电梯没电" a lift. Words are folded first (simplified script, lower case).
_TOPICS: tuple[tuple[RepairTopic, re.Pattern[str]], ...] = tuple(
    (topic, re.compile(pattern))
    for topic, pattern in (
        (RepairTopic.LIFT, r"电梯|(?<![a-z])(?:lift|lifts|elevator|elevators)(?![a-z])"),
        (
            RepairTopic.POWER,
            r"停电|没电|断电|跳闸|(?<![a-z])(?:power|electricity|blackout)(?![a-z])",
        ),
        (
            RepairTopic.HEATING,
            r"暖气|供暖|地暖|空调|(?<![a-z])(?:heat|heating|radiator|boiler|a/?c|air con)(?![a-z])",
        ),
        (
            RepairTopic.WATER,
            r"漏水|渗水|滴水|停水|不出水|水压|热水|水管|爆管|"
            r"(?<![a-z])(?:water|pipe|pipes|leak|leaking|leaks|dripping|tap|faucet|shower|"
            r"flooding|flooded)(?![a-z])",
        ),
        (
            RepairTopic.DRAIN,
            r"堵|下水道|反味|马桶|(?<![a-z])(?:drain|clogged|toilet|sink|sewer)(?![a-z])",
        ),
        (RepairTopic.LIGHT, r"灯|不亮|(?<![a-z])(?:light|lights|lamp|bulb)(?![a-z])"),
        (
            RepairTopic.DOOR,
            r"门禁|门锁|单元门|大门|(?<![a-z])(?:door|gate|intercom|buzzer|lock)(?![a-z])",
        ),
        (RepairTopic.INTERNET, r"宽带|没网|网络|(?<![a-z])(?:wifi|internet)(?![a-z])"),
        (RepairTopic.TRASH, r"垃圾|没人收|(?<![a-z])(?:trash|garbage|rubbish|chute)(?![a-z])"),
        (
            RepairTopic.STRUCTURE,
            r"墙皮|裂缝|天花板|屋顶|窗户|发霉|"
            r"(?<![a-z])(?:roof|ceiling|window|wall|crack|cracked|mold|mould)(?![a-z])",
        ),
    )
)


def repair_topic(text: str) -> RepairTopic | None:
    """What a repair complaint is about, or None when it names nothing we know."""
    folded = fold(text).text
    for topic, pattern in _TOPICS:
        if pattern.search(folded):
            return topic
    return None
