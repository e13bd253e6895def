"""Building repair complaints (楼道灯坏了, the lift is stuck again): noted, never matched."""

from __future__ import annotations

import re

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
