"""Safe by construction: no message that names a prescription drug yields an OTC entry.

A restricted medicine anywhere in a message makes every medicine it names restricted, so a
generic word beside it ("painkillers", "止痛药") cannot carry it into automatic matching. Drug
names the catalogue does not know are recognised by the stems pharmacology gives them
(international non-proprietary name stems and their Chinese transliterations) and treated
as restricted too: an unknown medicine is never assumed to be over the counter.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.core.understanding.catalogue import unknown_item
from bot.core.understanding.model import ParsedItem

# INN stems of prescription-only groups: antibiotics (-cillin, -mycin, cef-, -floxacin,
# -cycline), benzodiazepines (-azepam, -azolam), opioids (-codone, -morphone, -fentanil),
# cardiovascular (-pril, -sartan, -olol, -dipine, -statin), diabetes (-gliptin, -gliflozin,
# -glutide), antivirals (-vir), and their usual Chinese endings.
_RX_LATIN = re.compile(
    r"(?<![a-z])[a-z]{2,}(?:cillin|mycin|micin|floxacin|cycline|azepam|azolam|zolam|codone"
    r"|morphone|fentanil|fentanyl|pril|sartan|olol|dipine|statin|gliptin|gliflozin|glutide"
    r"|tidine|prazole|barbital|amfetamine|amphetamine|vir)s?(?![a-z])"
    r"|(?<![a-z])cef[a-z]{3,}(?![a-z])"
)
_RX_HAN = re.compile(
    r"[\u4e00-\u9fff]{1,4}(?:西林|霉素|沙星|环素|西泮|唑仑|可酮|吗啡|芬太尼|普利|沙坦|洛尔|地平(?!线)"
    r"|他汀|格列[\u4e00-\u9fff]|列汀|列净|鲁肽|他韦|洛韦|昔韦|拉韦|瑞韦|巴比妥|曲马多)"
    r"|头孢[\u4e00-\u9fff]{0,3}"
)
# OTC names that happen to end like a prescription stem.
_OTC_LOOKALIKES = frozenset(
    {"famotidine", "cimetidine", "ranitidine", "omeprazole", "esomeprazole", "lansoprazole"}
)


# A medicine named by what it treats, where that takes a prescription: "降血压的药",
# "治痛风的药", "精神科的药", "医生开的药", "thyroid meds", "epilepsy medication". The generic
# word beside it (药, medicine) is then that medicine, never an over-the-counter one.
_RX_PURPOSE_HAN = re.compile(
    r"(?:降|治疗?|控制|抗)?(?:高血压|血压|血脂|胆固醇|血糖|糖尿病|尿酸|痛风|甲状腺|甲亢|甲减|癫痫|羊癫疯|抑郁|焦虑|精神"
    r"|心律|房颤|血栓|抗凝|避孕|激素|化疗|肿瘤|癌|乙肝|肝炎|艾滋|结核|帕金森|痴呆|心衰|冠心病"
    r"|中风|脑梗|失眠|镇静|抗病毒|抗菌|前列腺|医生开|医院开|处方)"
    r"[\u4e00-\u9fff]{0,3}?(?:药物|药品|药片|药)"
)
_RX_PURPOSE_LATIN = re.compile(
    r"(?<![a-z])(?:high blood pressure|blood pressure|hypertension|cholesterol|diabetes|diabetic"
    r"|thyroid|epilepsy|epileptic|seizures?|anti-seizure|antidepressants?|depression|anxiety"
    r"|psych|psychiatric|adhd|parkinson'?s|dementia|alzheimer'?s|cancer|chemo|hiv|gout"
    r"|blood thinning|birth control|contraceptive|hormone|steroid|sleeping|sleep|prescription"
    r"|prescribed|antiviral|antibiotic|heart rhythm)"
    r"\s+(?:[a-z]+\s+)?(?:medicines?|meds|medications?|pills|tablets|tabs|drugs)(?![a-z])"
)


# Codeine combinations sold by number: "Tylenol #3", "tylenol no. 4" (not "tylenol 2 boxes").
_RX_NUMBERED = re.compile(r"(?<![a-z])tylenol\s*(?:#|no\.?\s*)\s*[2-4](?!\d)")


def rx_name_in(folded_text: str) -> str | None:
    """A drug name shaped like a prescription medicine, if the (folded) text has one."""
    for pattern in (_RX_NUMBERED, _RX_LATIN, _RX_HAN, _RX_PURPOSE_HAN, _RX_PURPOSE_LATIN):
        for m in pattern.finditer(folded_text):
            word = m.group(0)
            if word not in _OTC_LOOKALIKES and not any(w in word for w in _OTC_LOOKALIKES):
                return word
    return None


# Words that say a thing is a medicine: an unknown name beside one is an unknown medicine.
_MEDICINE_CONTEXT = re.compile(
    r"药|片|胶囊|颗粒|口服液|注射|针剂|滴剂|处方|医生开|"
    r"(?<![a-z])(?:pills?|tablets?|tabs|capsules?|meds|medicine|medication|prescription|"
    r"prescribed|\d+\s?mg|dose|doses)(?![a-z])"
)


def guard_medicines(
    items: list[ParsedItem], folded_text: str, *, quoted_restricted: bool = False
) -> list[ParsedItem]:
    """The items, with every medicine restricted when the message names a restricted one,
    or answers a message that did ("同求", "我也要止痛药" under a tramadol post).

    An unknown name shaped like a prescription drug, or any unknown name in a message that
    talks of medicine, is an unknown medicine — never assumed to be over the counter.
    """
    context = _MEDICINE_CONTEXT.search(folded_text) is not None
    items = [
        replace(i, medicine=True, restricted=True)
        if not i.known and (context or rx_name_in(i.name.lower()) is not None)
        else i
        for i in items
    ]
    named_rx = quoted_restricted or any(i.restricted for i in items)
    shaped = None if named_rx else rx_name_in(folded_text)
    if not named_rx and shaped is None:
        return items
    guarded = [
        replace(i, restricted=True, caution=True) if i.medicine and not i.restricted else i
        for i in items
    ]
    if shaped is not None and not any(i.restricted and not i.caution for i in guarded):
        # The drug itself was not recognised as an item (only a generic word beside it, held
        # back): it is one, a restricted one, and the one the author is told about.
        guarded.append(replace(unknown_item(shaped), medicine=True, restricted=True))
    return guarded
